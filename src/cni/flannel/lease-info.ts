/**
 * A lease's fields parsed once per lease object. Lease objects are shared by every agent (LeaseHub
 * makes one per Node object), so with a thousand nodes each remote lease is parsed once, not a
 * thousand times, and the agents' per-remote state is only what differs between hosts.
 */
import { parseIpv4 } from '../../net/index.js';
import type { Lease } from '../backend.js';
import { type Ip4Net, parseIpv4Cidr } from './cidr.js';
import { vtepMacOf } from './vtep-mac.js';

export interface LeaseInfo {
  subnet: Ip4Net;
  publicIP: number;
  /** The VTEP MAC of vxlan backend-data; undefined for other backends or data that does not decode. */
  vtepMac: Uint8Array | undefined;
}

const parsed = new WeakMap<Lease, LeaseInfo | null>();

/** The lease's subnet and public IP as numbers; undefined when they do not parse. */
export function leaseInfo(lease: Lease): LeaseInfo | undefined {
  let info = parsed.get(lease);
  if (info === undefined) {
    const subnet = parseIpv4Cidr(lease.subnet);
    const ip = parseIpv4(lease.attrs.publicIP);
    info = subnet === undefined || !ip.ok ? null : { subnet, publicIP: ip.value, vtepMac: vtepMacOf(lease.attrs.backendData) };
    parsed.set(lease, info);
  }
  return info ?? undefined;
}
