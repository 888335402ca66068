/**
 * NAT bindings on conntrack entries, after nf_nat_core.c. A binding is made once per connection and
 * manip type (DNAT at PREROUTING/OUTPUT, SNAT at POSTROUTING/INPUT) by changing the entry's reply
 * tuple; every later packet, in either direction, is rewritten from the two tuples alone. These are
 * the primitives both the iptables targets and an ipvs-like engine use.
 */
import { IPPROTO_ICMP } from '../../net/index.js';
import {
  type Conntrack, type ConntrackEntry, type CtDir, DIR_ORIGINAL, IPS_DST_NAT, IPS_DST_NAT_DONE, IPS_SRC_NAT,
  IPS_SRC_NAT_DONE,
} from './conntrack.js';
import { type Manip, datagramEnd, manipDatagram, translateIcmpError } from './rewrite.js';
import { type Tuple, hasPorts, invertTuple, tupleEquals } from './tuple.js';

export interface NatRange {
  minIp: number;
  maxIp: number;
  /** Port (ICMP: echo id) range; absent means "keep the port when possible". */
  minPort?: number;
  maxPort?: number;
  /** --random / --random-fully: always pick a random port, never keep the original. */
  random?: boolean;
  /** --persistent: choose the address from the client alone, not the client and server pair. */
  persistent?: boolean;
}

const DONE_BIT: Record<Manip, number> = { src: IPS_SRC_NAT_DONE, dst: IPS_DST_NAT_DONE };
const NAT_BIT: Record<Manip, number> = { src: IPS_SRC_NAT, dst: IPS_DST_NAT };

/** Whether the binding for this manip type was made (the nat table is consulted only until then). */
export function natInitialized(e: ConntrackEntry, manip: Manip): boolean {
  return (e.status & DONE_BIT[manip]) !== 0;
}

/** The null binding: the nat table chose nothing, and will not be asked again for this connection. */
export function markNatDone(e: ConntrackEntry, manip: Manip): void {
  e.status |= DONE_BIT[manip];
}

/**
 * nf_nat_setup_info: binds the connection to a unique tuple within `range` and records it as the
 * reply tuple. Returns false when no unique tuple is left (the packet is then dropped).
 */
export function setupNat(
  ct: Conntrack, e: ConntrackEntry, manip: Manip, range: NatRange, now: number, random: () => number,
): boolean {
  const curr = invertTuple(e.reply); // the original direction as it looks after earlier manips
  const next = uniqueTuple(ct, curr, manip, range, now, random);
  if (next === undefined) return false;
  if (!tupleEquals(next, curr)) {
    ct.setReply(e, invertTuple(next));
    e.status |= NAT_BIT[manip];
  }
  e.status |= DONE_BIT[manip];
  return true;
}

/**
 * nf_nat_packet: rewrites a packet of direction `dir` at a hook of type `manip`. The original
 * direction gets its own NAT of that type; the reply direction gets the other type undone (a reply
 * to DNATed traffic has its source restored at POSTROUTING). Returns whether anything applied.
 */
export function natPacket(e: ConntrackEntry, dir: CtDir, manip: Manip, buf: Uint8Array): boolean {
  const bit = dir === DIR_ORIGINAL ? NAT_BIT[manip] : NAT_BIT[manip === 'src' ? 'dst' : 'src'];
  if ((e.status & bit) === 0) return false;
  const target = invertTuple(e.tuple(dir === DIR_ORIGINAL ? 1 : 0));
  return manipDatagram(buf, 0, datagramEnd(buf), manip, manip === 'src' ? target.src : target.dst, portFor(target, manip));
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error RELATED to entry `e` (found through the datagram it
 * quotes, which travelled in the direction opposite to `dir`) gets its quote rewritten to the tuple
 * the quoted packet had on the other side of this host, and its outer address like a `dir` packet.
 */
export function natIcmpError(e: ConntrackEntry, dir: CtDir, manip: Manip, buf: Uint8Array): void {
  if ((e.status & (IPS_SRC_NAT | IPS_DST_NAT)) === 0) return;
  const other = e.tuple(dir === DIR_ORIGINAL ? 1 : 0);
  const innerManip: Manip = manip === 'src' ? 'dst' : 'src';
  const target = invertTuple(other);
  translateIcmpError(buf, datagramEnd(buf),
    { manip: innerManip, addr: innerManip === 'src' ? other.src : other.dst, port: portFor(other, innerManip) },
    { manip, addr: manip === 'src' ? target.src : target.dst });
}

/** The port a manip sets; an ICMP query has one "port", its id, kept in the sport slot. */
function portFor(t: Tuple, manip: Manip): number {
  return manip === 'src' || t.proto === IPPROTO_ICMP ? t.sport : t.dport;
}

function withManip(t: Tuple, manip: Manip, addr: number, port: number): Tuple {
  if (t.proto === IPPROTO_ICMP) return manip === 'src' ? { ...t, src: addr, sport: port } : { ...t, dst: addr, sport: port };
  return manip === 'src' ? { ...t, src: addr, sport: port } : { ...t, dst: addr, dport: port };
}

function inRange(t: Tuple, manip: Manip, r: NatRange): boolean {
  const addr = manip === 'src' ? t.src : t.dst;
  if (addr < r.minIp || addr > r.maxIp) return false;
  if (r.minPort === undefined || !hasPorts(t.proto)) return true;
  const port = portFor(t, manip);
  return port >= r.minPort && port <= (r.maxPort ?? r.minPort);
}

/** find_best_ips_proto: the only address, or one picked by hashing the endpoints so a flow stays put. */
function pickAddress(t: Tuple, r: NatRange): number {
  if (r.minIp === r.maxIp) return r.minIp;
  let h = Math.imul(t.src ^ (r.persistent ? 0 : Math.imul(t.dst, 0x9e3779b1)), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (r.minIp + (h % (r.maxIp - r.minIp + 1))) >>> 0;
}

/** get_unique_tuple + nf_nat_l4proto_unique_tuple. */
function uniqueTuple(
  ct: Conntrack, curr: Tuple, manip: Manip, r: NatRange, now: number, random: () => number,
): Tuple | undefined {
  const used = (t: Tuple): boolean => ct.isTaken(invertTuple(t), now);
  const random16 = (): number => Math.floor(random() * 65536);
  // SNAT keeps a tuple that already fits the range and is free.
  if (manip === 'src' && !r.random && inRange(curr, manip, r) && !used(curr)) return curr;
  const t = withManip(curr, manip, pickAddress(curr, r), portFor(curr, manip));
  if (!hasPorts(curr.proto)) return t;
  const specified = r.minPort !== undefined;
  if (!r.random) {
    if (specified) {
      if (inRange(t, manip, r) && (r.minPort === r.maxPort || !used(t))) return t;
    } else if (!used(t)) {
      return t;
    }
  }
  if (manip === 'dst' && !specified) return t; // a destination port is never changed unasked
  let min: number;
  let size: number;
  if (specified) {
    min = r.minPort!;
    size = (r.maxPort ?? min) - min + 1;
  } else if (curr.proto === IPPROTO_ICMP) {
    min = 0;
    size = 65536;
  } else {
    // Keep privileged ports privileged, as Linux does for a source port below 512 / 1024.
    const p = portFor(curr, manip);
    [min, size] = p < 512 ? [1, 511] : p < 1024 ? [600, 424] : [1024, 64512];
  }
  let off = r.random || manip === 'src' ? random16() : 0;
  let attempts = Math.min(size, 128);
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      const candidate = withManip(t, manip, manip === 'src' ? t.src : t.dst, min + (off % size));
      if (!used(candidate)) return candidate;
    }
    // Linux tries 128 random-offset ports, then halves the effort; it never walks a whole big range.
    if (attempts >= size || attempts < 16) return undefined;
    attempts >>= 1;
    off = random16();
  }
}
