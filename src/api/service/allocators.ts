/**
 * ClusterIP and NodePort allocators (pure bitmaps, as kube-apiserver's ipallocator and
 * portallocator). Random choice like Kubernetes, from an injected random source so tests are
 * repeatable.
 */
import { KemuError } from '../../util/errors.js';
import { formatIpv4, parseIpv4 } from '../../net/addr.js';

export type RandomSource = () => number;

/** A set of integers [base, base+size) with random free-slot allocation. */
export class RangeBitmap {
  private readonly used: Uint8Array;
  private free: number;
  constructor(
    readonly base: number,
    readonly size: number,
    private readonly random: RandomSource = Math.random,
  ) {
    this.used = new Uint8Array(size);
    this.free = size;
  }

  has(value: number): boolean {
    const i = value - this.base;
    return i >= 0 && i < this.size && this.used[i] === 1;
  }

  contains(value: number): boolean {
    const i = value - this.base;
    return i >= 0 && i < this.size;
  }

  /** Marks `value` used; false when it is outside the range or taken. */
  allocate(value: number): boolean {
    const i = value - this.base;
    if (i < 0 || i >= this.size || this.used[i]) return false;
    this.used[i] = 1;
    this.free--;
    return true;
  }

  /** Picks a random free value in [from, to) offsets, or undefined when full. */
  allocateNext(fromOffset = 0, toOffset = this.size): number | undefined {
    const span = toOffset - fromOffset;
    if (span <= 0 || this.free === 0) return undefined;
    const start = Math.floor(this.random() * span);
    for (let k = 0; k < span; k++) {
      const i = fromOffset + ((start + k) % span);
      if (!this.used[i]) {
        this.used[i] = 1;
        this.free--;
        return this.base + i;
      }
    }
    return undefined;
  }

  release(value: number): void {
    const i = value - this.base;
    if (i >= 0 && i < this.size && this.used[i]) {
      this.used[i] = 0;
      this.free++;
    }
  }

  freeCount(): number {
    return this.free;
  }
}

function ipv4ToInt(ip: string): number | undefined {
  const r = parseIpv4(ip);
  return r.ok ? r.value : undefined;
}

export const intToIpv4 = formatIpv4;

export function parseCidr(cidr: string): { base: number; prefix: number } {
  const [ip, len] = cidr.split('/');
  const base = ipv4ToInt(ip ?? '');
  const prefix = Number(len);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new KemuError('ERR_BAD_CIDR', `invalid CIDR ${cidr}`);
  }
  return { base, prefix };
}

/**
 * Service ClusterIPs. Network and broadcast addresses are never handed out. As in Kubernetes
 * (ServiceIPStaticSubrange), dynamic allocation prefers the upper part of the range so the lower
 * part stays free for addresses users and kemu pick (the `kubernetes` service's .1, kube-dns' .10).
 */
export class ClusterIPAllocator {
  private readonly bitmap: RangeBitmap;
  private readonly staticBand: number;
  constructor(
    readonly cidr: string,
    random?: RandomSource,
  ) {
    const { base, prefix } = parseCidr(cidr);
    const total = 2 ** (32 - prefix);
    // Offsets 1 .. total-2 are usable.
    this.bitmap = new RangeBitmap(base + 1, Math.max(0, total - 2), random);
    this.staticBand = Math.min(Math.max(16, Math.floor(total / 16)), 256, this.bitmap.size);
  }

  firstAddress(): string {
    return intToIpv4(this.bitmap.base);
  }

  /** The n-th usable address (1-based), e.g. 10 → 10.96.0.10. */
  nthAddress(n: number): string {
    return intToIpv4(this.bitmap.base + n - 1);
  }

  contains(ip: string): boolean {
    const n = ipv4ToInt(ip);
    return n !== undefined && this.bitmap.contains(n);
  }

  allocate(ip: string): 'ok' | 'taken' | 'out-of-range' {
    const n = ipv4ToInt(ip);
    if (n === undefined || !this.bitmap.contains(n)) return 'out-of-range';
    return this.bitmap.allocate(n) ? 'ok' : 'taken';
  }

  allocateNext(): string | undefined {
    const n =
      this.bitmap.allocateNext(this.staticBand, this.bitmap.size) ?? this.bitmap.allocateNext(0, this.staticBand);
    return n === undefined ? undefined : intToIpv4(n);
  }

  release(ip: string): void {
    const n = ipv4ToInt(ip);
    if (n !== undefined) this.bitmap.release(n);
  }
}

/** NodePorts, 30000-32767 by default (--service-node-port-range). */
export class NodePortAllocator {
  private readonly bitmap: RangeBitmap;
  constructor(
    readonly first = 30000,
    readonly last = 32767,
    random?: RandomSource,
  ) {
    this.bitmap = new RangeBitmap(first, last - first + 1, random);
  }
  contains(port: number): boolean {
    return this.bitmap.contains(port);
  }
  allocate(port: number): 'ok' | 'taken' | 'out-of-range' {
    if (!this.bitmap.contains(port)) return 'out-of-range';
    return this.bitmap.allocate(port) ? 'ok' : 'taken';
  }
  allocateNext(): number | undefined {
    return this.bitmap.allocateNext();
  }
  release(port: number): void {
    this.bitmap.release(port);
  }
}
