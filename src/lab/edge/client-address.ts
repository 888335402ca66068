/**
 * Who a real client is inside the emulation. A connection from a real program on this machine
 * enters the packet plane at a node's gateway as traffic from an outside client; its address is
 * derived from the real peer's, so the same real client always looks the same (ClientIP affinity
 * and externalTrafficPolicy: Local are observable) and different ones differ: 127.a.b.d → 198.51.100.d
 * (TEST-NET-2, RFC 5737: documentation space, never routed anywhere real). `curl --interface
 * 127.0.0.7` is client 198.51.100.7.
 */
import { formatIpv4, ipv4 } from '../../net/addr.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';

export const CLIENT_NETWORK = '198.51.100.0/24';
const CLIENT_BASE = ipv4('198.51.100.0');

export function clientAddressFor(realPeer: string): string {
  const m = /(\d+)$/.exec(realPeer.replace(/^::ffff:/, ''));
  const last = m === null ? 1 : Number(m[1]) & 0xff;
  // .0 and .255 are the network and broadcast addresses of the client network.
  const host = last === 0 ? 1 : last === 255 ? 254 : last;
  return formatIpv4((CLIENT_BASE + host) >>> 0);
}

/** The gateway namespace carries the client's address (on lo, like an address of the machine itself). */
export function ensureClientAddress(edge: NetNamespace, client: string): void {
  if (!edge.isLocalAddress(ipv4(client))) edge.addAddress(edge.lo, `${client}/32`);
}
