/**
 * CidrSet: the pure core of node IPAM, after kube-controller-manager's cidrset.go. A cluster CIDR
 * is cut into 2^(nodeMask - clusterMask) node subnets tracked in a bitmap. `allocateNext` resumes
 * after the previous allocation and wraps around (so a released subnet is not handed out again at
 * once); `occupy` and `release` accept any CIDR that overlaps the range, larger or smaller than a
 * node subnet, marking every subnet it touches, as Kubernetes does.
 *
 * Addresses are bigints so IPv4 and IPv6 share one code path.
 */
import { KemuError } from '../../util/errors.js';

/** Kubernetes refuses node masks more than 16 bits longer than the cluster mask (65536 subnets). */
export const MAX_SUBNET_BITS = 16;

export interface ParsedCidr {
  family: 4 | 6;
  /** Network address (host bits cleared, as Go's net.ParseCIDR returns). */
  addr: bigint;
  prefix: number;
}

export class CidrSet {
  readonly family: 4 | 6;
  readonly clusterCIDR: string;
  readonly nodeMaskSize: number;
  /** Number of node subnets in the range. */
  readonly size: number;
  private readonly bits: number;
  private readonly base: bigint;
  private readonly clusterMaskSize: number;
  private readonly used: Uint8Array;
  private allocated = 0;
  private nextCandidate = 0;

  constructor(clusterCIDR: string, nodeMaskSize: number) {
    const c = parseCidr(clusterCIDR);
    this.family = c.family;
    this.bits = c.family === 4 ? 32 : 128;
    this.base = c.addr;
    this.clusterMaskSize = c.prefix;
    this.nodeMaskSize = nodeMaskSize;
    this.clusterCIDR = `${formatIp(c.addr, c.family)}/${c.prefix}`;
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < c.prefix || nodeMaskSize > this.bits) {
      throw new KemuError('ERR_CIDR_MASK_INVALID', `node CIDR mask size /${nodeMaskSize} does not fit cluster CIDR ${this.clusterCIDR}`);
    }
    if (nodeMaskSize - c.prefix > MAX_SUBNET_BITS) {
      throw new KemuError('ERR_CIDR_MASK_INVALID', `New CIDR set failed; the node CIDR size is too big (/${nodeMaskSize} in ${this.clusterCIDR})`);
    }
    this.size = 2 ** (nodeMaskSize - c.prefix);
    this.used = new Uint8Array(this.size);
  }

  /** How many node subnets are taken. */
  allocatedCount(): number {
    return this.allocated;
  }

  /** Hands out the next free node subnet after the last one given; throws ERR_CIDR_RANGE_FULL. */
  allocateNext(): string {
    if (this.allocated < this.size) {
      for (let i = 0; i < this.size; i++) {
        const candidate = (this.nextCandidate + i) % this.size;
        if (this.used[candidate]) continue;
        this.used[candidate] = 1;
        this.allocated++;
        this.nextCandidate = (candidate + 1) % this.size;
        return this.cidrAt(candidate);
      }
    }
    throw new KemuError(
      'ERR_CIDR_RANGE_FULL',
      `CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range ${this.clusterCIDR}`,
    );
  }

  /** Marks every node subnet `cidr` touches as taken (a pre-assigned podCIDR, the service range). */
  occupy(cidr: string): void {
    const [begin, end] = this.indices(cidr);
    for (let i = begin; i <= end; i++) {
      if (!this.used[i]) {
        this.used[i] = 1;
        this.allocated++;
      }
    }
  }

  /** Frees every node subnet `cidr` touches. */
  release(cidr: string): void {
    const [begin, end] = this.indices(cidr);
    for (let i = begin; i <= end; i++) {
      if (this.used[i]) {
        this.used[i] = 0;
        this.allocated--;
      }
    }
  }

  /** Whether `cidr` lies in (or covers) this set's range; false for the other IP family. */
  overlaps(cidr: string): boolean {
    const c = parseCidr(cidr);
    return c.family === this.family && this.overlapsParsed(c);
  }

  isOccupied(cidr: string): boolean {
    const [begin, end] = this.indices(cidr);
    for (let i = begin; i <= end; i++) if (!this.used[i]) return false;
    return true;
  }

  private overlapsParsed(c: ParsedCidr): boolean {
    return mask(c.addr, this.clusterMaskSize, this.bits) === this.base || mask(this.base, c.prefix, this.bits) === c.addr;
  }

  /** First and last subnet index covered by `cidr` (Kubernetes' getBeginningAndEndIndices). */
  private indices(cidr: string): [number, number] {
    const c = parseCidr(cidr);
    if (c.family !== this.family || !this.overlapsParsed(c)) {
      throw new KemuError('ERR_CIDR_OUT_OF_RANGE', `cidr ${cidr} is out the range of cluster cidr ${this.clusterCIDR}`);
    }
    if (c.prefix <= this.clusterMaskSize) return [0, this.size - 1];
    const last = c.addr | ((1n << BigInt(this.bits - c.prefix)) - 1n);
    return [this.indexOf(c.addr), this.indexOf(last)];
  }

  private indexOf(ip: bigint): number {
    const shift = BigInt(this.bits - this.nodeMaskSize);
    return Number((ip ^ this.base) >> shift);
  }

  private cidrAt(index: number): string {
    const addr = this.base | (BigInt(index) << BigInt(this.bits - this.nodeMaskSize));
    return `${formatIp(addr, this.family)}/${this.nodeMaskSize}`;
  }
}

function mask(addr: bigint, prefix: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (addr >> hostBits) << hostBits;
}

export function parseCidr(text: string): ParsedCidr {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? undefined : parseIp(text.slice(0, slash));
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  const bits = ip?.family === 6 ? 128 : 32;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!ip || !(prefix >= 0 && prefix <= bits)) throw new KemuError('ERR_CIDR_INVALID', `invalid CIDR address: ${text}`);
  return { family: ip.family, addr: mask(ip.addr, prefix, bits), prefix };
}

export function parseIp(text: string): { family: 4 | 6; addr: bigint } | undefined {
  if (text.includes(':')) {
    const addr = parseIpv6(text);
    return addr === undefined ? undefined : { family: 6, addr };
  }
  const addr = parseIpv4(text);
  return addr === undefined ? undefined : { family: 4, addr };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p); // an embedded IPv4 tail (::ffff:10.0.0.1)
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<number>(fill).fill(0), ...tail]) n = (n << 16n) | BigInt(g);
  return n;
}

/** Formats an address as Go prints it: dotted quad, or RFC 5952 IPv6 (longest zero run as ::). */
export function formatIp(addr: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 0xffn)).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((addr >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}
