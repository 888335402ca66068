/**
 * flannel's kube subnet manager for one node: the lease is the Node's spec.podCIDR, the node's
 * attributes are its flannel annotations, and the other nodes' leases are read from the shared Node
 * informer. Watching is level-based: a subscription remembers the leases it reported and compares
 * (per node on events, all of them on resync), so a missed or duplicated event changes nothing.
 */
import type { ApiClient } from '../../api/client.js';
import type { Node } from '../../api/types.js';
import { KemuError } from '../../util/errors.js';
import { type Lease, type LeaseAttrs, type LeaseWatch, type SubnetEvent, type SubnetManager, leaseEquals } from '../backend.js';
import { annotationPatch, podCidrOf } from './annotations.js';
import { type Ip4Net, containsNet, parseIpv4Cidr } from './cidr.js';
import type { LeaseHub } from './lease-hub.js';

export interface KubeSubnetManagerOptions {
  client: ApiClient;
  hub: LeaseHub;
  nodeName: string;
  /** The flannel network (net-conf.json's Network). */
  network: Ip4Net;
  log?(line: string): void;
}

export class KubeSubnetManager implements SubnetManager {
  constructor(private readonly o: KubeSubnetManagerOptions) {}

  /** AcquireLease: the node's podCIDR, after writing the annotations that differ from `attrs`. */
  async acquireLease(attrs: LeaseAttrs): Promise<Lease> {
    const name = this.o.nodeName;
    await this.o.hub.informer.waitForSync();
    const node = this.o.hub.node(name);
    if (node === undefined) throw new KemuError('ERR_NODE_NOT_FOUND', `node "${name}" not found`);
    const cidr = podCidrOf(node);
    if (cidr === undefined) throw new KemuError('ERR_POD_CIDR_NOT_ASSIGNED', `node "${name}" pod cidr not assigned`);
    const patch = annotationPatch(node, attrs);
    if (patch !== undefined) await this.o.client.patch<Node>('nodes', undefined, name, 'strategic', patch);
    const subnet = parseIpv4Cidr(cidr)!;
    if (!containsNet(this.o.network, subnet)) {
      throw new KemuError('ERR_POD_CIDR_OUTSIDE_NETWORK',
        `subnet "${this.o.network.text}" specified in the flannel net config doesn't contain "${cidr}" PodCIDR of the "${name}" node`);
    }
    return { subnet: subnet.text, attrs, node: name };
  }

  watchLeases(own: Lease, handler: (events: SubnetEvent[]) => void): LeaseWatch {
    const hub = this.o.hub;
    const known = new Map<string, Lease>();
    let closed = false;
    const consider = (name: string, lease: Lease | undefined, out: SubnetEvent[]): void => {
      // Our own lease (by node or by subnet) is never an event: flannel's WatchLeases skips it.
      const wanted = name === this.o.nodeName || lease?.subnet === own.subnet ? undefined : lease;
      const prev = known.get(name);
      if (prev !== undefined && wanted !== undefined && leaseEquals(prev, wanted)) return;
      if (prev !== undefined) {
        known.delete(name);
        out.push({ type: 'removed', lease: prev });
      }
      if (wanted !== undefined) {
        known.set(name, wanted);
        out.push({ type: 'added', lease: wanted });
      }
    };
    const deliver = (events: SubnetEvent[]): void => {
      if (events.length === 0 || closed) return;
      try {
        handler(events);
      } catch (err) {
        this.o.log?.(`error handling subnet events: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const unsubscribe = hub.subscribe((node, deleted) => {
      const out: SubnetEvent[] = [];
      consider(node.metadata.name ?? '', deleted ? undefined : hub.leaseOf(node), out);
      deliver(out);
    });
    const watch: LeaseWatch = {
      resync: () => {
        const out: SubnetEvent[] = [];
        const seen = new Set<string>();
        for (const node of hub.nodes()) {
          const name = node.metadata.name ?? '';
          seen.add(name);
          consider(name, hub.leaseOf(node), out);
        }
        for (const name of [...known.keys()]) if (!seen.has(name)) consider(name, undefined, out);
        deliver(out);
      },
      close: () => {
        closed = true;
        unsubscribe();
      },
    };
    watch.resync();
    return watch;
  }
}
