/**
 * `ip route`, `ip rule`, `ip neigh` and `bridge fdb` of a namespace, shaped like iproute2's output (one entry a
 * line, each line ending with "\n"). Pure formatters over the namespace's tables.
 */
import { formatMac } from '../../net/index.js';
import { Bridge } from '../stack/bridge.js';
import type { NetNamespace } from '../stack/namespace.js';
import { formatRoute } from '../stack/routes.js';
import { formatRule } from '../stack/rules.js';
import { VxlanDevice } from '../stack/vxlan.js';

const lines = (items: string[]): string => items.map((l) => `${l}\n`).join('');

/** `ip route [show table local]`. */
export function formatRoutes(ns: NetNamespace, table: 'main' | 'local' = 'main'): string {
  return lines((table === 'main' ? ns.routes : ns.localRoutes).list().map(formatRoute));
}

/** `ip rule`: the local table's rule 0, the namespace's rules, then main (32766) and default (32767). */
export function formatRules(ns: NetNamespace): string {
  return lines(['0:\tfrom all lookup local', ...ns.rules.list().map(formatRule), '32766:\tfrom all lookup main', '32767:\tfrom all lookup default']);
}

/** `ip neigh`: "IP dev DEV lladdr MAC STATE"; unresolved entries have no lladdr. */
export function formatNeighbours(ns: NetNamespace): string {
  return lines(ns.neighbours.list().map((n) => `${n.ip} dev ${n.dev}${n.mac === undefined ? '' : ` lladdr ${n.mac}`} ${n.state}`));
}

/**
 * `bridge fdb show`: for each bridge, its own address and each port's (permanent, local) and the
 * addresses it learnt; for each VXLAN device, its static entries with their remote VTEP
 * ("MAC dev flannel.1 dst 172.18.0.3 self permanent"). Multicast and vlan entries are not modelled.
 */
export function formatBridgeFdb(ns: NetNamespace): string {
  const out: string[] = [];
  for (const dev of ns.devices().sort((a, b) => a.index - b.index)) {
    if (dev instanceof Bridge) {
      out.push(`${formatMac(dev.mac)} dev ${dev.name} master ${dev.name} permanent`);
      for (const name of dev.portNames()) {
        const port = ns.device(name);
        if (port !== undefined && 'mac' in port) out.push(`${formatMac((port as { mac: Uint8Array }).mac)} dev ${name} master ${dev.name} permanent`);
      }
      for (const e of dev.fdbEntries()) out.push(`${e.mac} dev ${e.port} master ${dev.name}`);
    } else if (dev instanceof VxlanDevice) {
      for (const e of dev.fdbEntries()) out.push(`${e.mac} dev ${dev.name} dst ${e.dst} self permanent`);
    }
  }
  return lines(out);
}
