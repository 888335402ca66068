/**
 * Pod IP allocation over a node's podCIDR, the way the CNI `host-local` IPAM plugin does it (the
 * plugin flannel and the bridge CNI delegate to): the range runs from network+1 to broadcast-1,
 * the gateway (network+1, taken by the node's cni0 bridge) is never handed out, and each
 * allocation resumes after the last reserved address, wrapping around, so a just-released IP is
 * the last one to be reused (stale conntrack entries and caches rarely hit a new pod).
 * Pure: no I/O, no timers; the kubelet's PodManager owns one per node.
 */
import { KemuError } from '../util/errors.js';
import { formatIpv4, parseIpv4, prefixMask } from '../net/addr.js';

export const ERR_POD_IPAM_EXHAUSTED = 'ERR_POD_IPAM_EXHAUSTED';
export const ERR_POD_IPAM_BAD_CIDR = 'ERR_POD_IPAM_BAD_CIDR';

export class PodIpam {
  readonly cidr: string;
  /** First and last addresses handed out (inclusive), as host-local's rangeStart/rangeEnd. */
  private readonly start: number;
  private readonly end: number;
  private readonly gateway: number;
  private readonly byKey = new Map<string, number>();
  private readonly byIp = new Map<number, string>();
  private lastReserved: number | undefined;

  constructor(cidr: string) {
    const m = /^(.+)\/(\d{1,2})$/.exec(cidr);
    const addr = m ? parseIpv4(m[1]!) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (!m || !addr?.ok || bits > 32) throw new KemuError(ERR_POD_IPAM_BAD_CIDR, `invalid pod CIDR ${JSON.stringify(cidr)}`);
    const mask = prefixMask(bits);
    const network = (addr.value & mask) >>> 0;
    const broadcast = (network | ~mask) >>> 0;
    this.cidr = `${formatIpv4(network)}/${bits}`;
    this.start = network + 1;
    this.end = broadcast - 1;
    this.gateway = network + 1;
  }

  /** The gateway address pods route through (the node's bridge). */
  gatewayIp(): string {
    return formatIpv4(this.gateway);
  }

  /** How many addresses can ever be handed out at once. */
  capacity(): number {
    return Math.max(0, this.end - this.start + 1 - (this.inRange(this.gateway) ? 1 : 0));
  }

  size(): number {
    return this.byKey.size;
  }

  /** The address held by `key`, if any. */
  get(key: string): string | undefined {
    const ip = this.byKey.get(key);
    return ip === undefined ? undefined : formatIpv4(ip);
  }

  contains(ip: string): boolean {
    const p = parseIpv4(ip);
    return p.ok && p.value >= this.start - 1 && p.value <= this.end + 1;
  }

  /**
   * Hands `key` an address; asking again for the same key returns the same address (a retried
   * CNI ADD must not leak a second IP). Throws ERR_POD_IPAM_EXHAUSTED when the range is full.
   */
  allocate(key: string): string {
    const held = this.byKey.get(key);
    if (held !== undefined) return formatIpv4(held);
    const span = this.end - this.start + 1;
    if (span > 0) {
      // Resume after the last reserved address, as host-local's RangeIter does.
      let cur = this.lastReserved !== undefined && this.inRange(this.lastReserved) ? this.lastReserved + 1 : this.start;
      for (let i = 0; i < span; i++, cur++) {
        if (cur > this.end) cur = this.start;
        if (cur === this.gateway || this.byIp.has(cur)) continue;
        this.take(key, cur);
        return formatIpv4(cur);
      }
    }
    throw new KemuError(
      ERR_POD_IPAM_EXHAUSTED,
      `no IP addresses available in range set: ${formatIpv4(this.start)}-${formatIpv4(Math.max(this.start, this.end))}`,
    );
  }

  /**
   * Takes a specific address for `key` (a pod keeping its IP across a host restart). Returns false
   * when the address is outside the range, is the gateway, or belongs to another key.
   */
  reserve(key: string, ip: string): boolean {
    const p = parseIpv4(ip);
    if (!p.ok || !this.inRange(p.value) || p.value === this.gateway) return false;
    const owner = this.byIp.get(p.value);
    if (owner !== undefined) return owner === key;
    if (this.byKey.has(key)) return false;
    this.take(key, p.value);
    return true;
  }

  /** Gives back what `key` holds; releasing twice, or an unknown key, is a no-op. */
  release(key: string): void {
    const ip = this.byKey.get(key);
    if (ip === undefined) return;
    this.byKey.delete(key);
    this.byIp.delete(ip);
  }

  private take(key: string, ip: number): void {
    this.byKey.set(key, ip);
    this.byIp.set(ip, key);
    this.lastReserved = ip;
  }

  private inRange(ip: number): boolean {
    return ip >= this.start && ip <= this.end;
  }
}
