/**
 * Applying one service port's wanted state over what was applied before: the IPVS calls, ipset
 * adds/deletes and kube-ipvs0 address binds of kube-proxy's syncService/syncEndpoint, for that port
 * only. Shared things (an address bound by several ports, an ipset entry two ports need) are
 * reference-counted. A real server that leaves keeps serving its connections at weight 0 until they
 * are gone (kube-proxy's graceful termination; UDP ones go at once).
 */
import type { IpSets } from '../../dataplane/netfilter/index.js';
import type { NetDevice, NetNamespace } from '../../dataplane/stack/index.js';
import { formatIpv4, parseIpv4 } from '../../net/index.js';
import { type IpvsTable, type RealServer, type VirtualServer, virtualKey } from './model.js';
import type { ServicePortState, VirtualServiceState } from './service-state.js';

/** What a sync did, in kernel operations (the O(change) evidence). */
export interface ApplyCounts {
  virtualServersAdded: number;
  virtualServersEdited: number;
  virtualServersDeleted: number;
  realServersAdded: number;
  realServersEdited: number;
  realServersDeleted: number;
  ipsetChanges: number;
  addressChanges: number;
}

export const zeroCounts = (): ApplyCounts => ({
  virtualServersAdded: 0, virtualServersEdited: 0, virtualServersDeleted: 0, realServersAdded: 0, realServersEdited: 0,
  realServersDeleted: 0, ipsetChanges: 0, addressChanges: 0,
});

export const EMPTY_STATE: ServicePortState = { virtualServers: [], bindAddresses: [], ipsetEntries: [] };

const ip = (text: string): number => {
  const r = parseIpv4(text);
  return r.ok ? r.value : 0;
};

export class IpvsApplier {
  private readonly addressRefs = new Map<string, number>();
  private readonly entryRefs = new Map<string, number>();
  /** Real servers at weight 0 waiting for their connections to end. */
  private readonly terminating = new Set<{ svc: VirtualServer; dest: RealServer }>();

  constructor(
    private readonly table: IpvsTable,
    private readonly ipsets: IpSets,
    private readonly ns: NetNamespace,
    private readonly dummy: NetDevice,
  ) {}

  /** Moves one service port from `prev` to `next`. */
  apply(prev: ServicePortState, next: ServicePortState, counts: ApplyCounts): void {
    this.diffRefs(this.entryRefs, prev.ipsetEntries.map(([s, e]) => `${s} ${e}`), next.ipsetEntries.map(([s, e]) => `${s} ${e}`), (key, add) => {
      const i = key.indexOf(' ');
      const set = this.ipsets.get(key.slice(0, i));
      if (set === undefined) return;
      if (add) set.add(key.slice(i + 1));
      else set.del(key.slice(i + 1));
      counts.ipsetChanges++;
    });
    this.diffRefs(this.addressRefs, prev.bindAddresses, next.bindAddresses, (address, add) => {
      if (add) this.ns.addAddress(this.dummy, `${address}/32`);
      else this.ns.removeAddress(this.dummy, `${address}/32`);
      counts.addressChanges++;
    });
    const wanted = new Map(next.virtualServers.map((v) => [virtualKey(v.spec.protocol, ip(v.spec.address), v.spec.port), v]));
    for (const v of prev.virtualServers) {
      const key = virtualKey(v.spec.protocol, ip(v.spec.address), v.spec.port);
      if (wanted.has(key)) continue;
      if (this.table.getService(v.spec.protocol, v.spec.address, v.spec.port) === undefined) continue;
      this.table.deleteService(v.spec.protocol, v.spec.address, v.spec.port);
      counts.virtualServersDeleted++;
    }
    for (const v of wanted.values()) this.syncVirtualServer(v, counts);
  }

  /** Deletes terminating real servers whose connections are all gone (the graceful delete manager's check). */
  reapTerminating(counts: ApplyCounts): void {
    for (const t of this.terminating) {
      if (t.dest.removed || t.dest.weight > 0) {
        this.terminating.delete(t); // deleted with its service, or back in use
      } else if (t.dest.activeConns + t.dest.inactConns === 0) {
        this.table.deleteDest(t.svc, formatIpv4(t.dest.address), t.dest.port);
        this.terminating.delete(t);
        counts.realServersDeleted++;
      }
    }
  }

  get terminatingCount(): number {
    return this.terminating.size;
  }

  private syncVirtualServer(v: VirtualServiceState, counts: ApplyCounts): void {
    const { spec } = v;
    let svc = this.table.getService(spec.protocol, spec.address, spec.port);
    if (svc === undefined) {
      svc = this.table.addService(spec);
      counts.virtualServersAdded++;
    } else if (svc.scheduler.name !== spec.scheduler || svc.timeout !== (spec.timeout ?? 0)) {
      this.table.editService(spec);
      counts.virtualServersEdited++;
    }
    const want = new Map(v.reals.map((r) => [`${ip(r.address)}:${r.port}`, r]));
    for (const d of [...svc.dests]) {
      const r = want.get(d.key);
      if (r === undefined) {
        if (d.weight > 0) this.gracefulDelete(svc, d, counts);
      } else if (d.weight !== r.weight) {
        this.table.editDest(svc, r);
        counts.realServersEdited++;
      }
    }
    for (const [key, r] of want) {
      if (svc.dests.some((d) => d.key === key)) continue;
      this.table.addDest(svc, r);
      counts.realServersAdded++;
    }
  }

  private gracefulDelete(svc: VirtualServer, d: RealServer, counts: ApplyCounts): void {
    if (svc.protocol === 'UDP' || d.activeConns + d.inactConns === 0) {
      this.table.deleteDest(svc, formatIpv4(d.address), d.port);
      counts.realServersDeleted++;
      return;
    }
    this.table.editDest(svc, { address: formatIpv4(d.address), port: d.port, weight: 0 });
    this.terminating.add({ svc, dest: d });
    counts.realServersEdited++;
  }

  private diffRefs(refs: Map<string, number>, prev: readonly string[], next: readonly string[], change: (key: string, add: boolean) => void): void {
    const before = new Set(prev);
    const after = new Set(next);
    for (const k of after) {
      if (before.has(k)) continue;
      const n = refs.get(k) ?? 0;
      refs.set(k, n + 1);
      if (n === 0) change(k, true);
    }
    for (const k of before) {
      if (after.has(k)) continue;
      const n = (refs.get(k) ?? 1) - 1;
      if (n > 0) refs.set(k, n);
      else {
        refs.delete(k);
        change(k, false);
      }
    }
  }
}
