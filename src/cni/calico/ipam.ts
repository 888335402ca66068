/**
 * calico-ipam, pure: the IP pool (the cluster's pod subnet) is cut into blocks of /blockSize (26 by
 * default, 64 addresses). A node claims an affine block the first time it needs an address, takes
 * addresses from its own blocks (first free ordinal: calico is fully routed, so a block's first and
 * last addresses — x.x.x.0, x.x.x.255 — are ordinary pod addresses), claims another block when its
 * blocks are full, and — with strictAffinity false, calico's default — borrows a free address from
 * another node's block once the pool has no unclaimed block left. Addresses are held by a handle
 * (the CNI's "k8s-pod-network.<container>", or "ipip-tunnel-addr-<node>" for a tunnel) and released
 * by it.
 *
 * One object per cluster, shared by every node (the datastore's ipamblocks/blockaffinities);
 * listeners hear every change, so BGP speakers and felix-like programmers follow block claims and
 * borrowed addresses. Deviation: calico starts its search for an unclaimed block at a pseudo-random
 * block derived from the host name; kemu takes the lowest free block, so runs are reproducible.
 */
import { formatIpv4, parseIpv4, prefixMask } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';

export interface IpamOptions {
  /** The IP pool, e.g. "192.168.0.0/16" (CALICO_IPV4POOL_CIDR). */
  pool: string;
  /** Block prefix length (CALICO_IPV4POOL_BLOCK_SIZE): default 26. */
  blockSize?: number;
  /** IPAMConfiguration.strictAffinity: true forbids borrowing. Default false. */
  strictAffinity?: boolean;
  /** IPAMConfiguration.maxBlocksPerHost; 0 (default) = no limit. */
  maxBlocksPerHost?: number;
}

/** One allocation: who holds it and on which node the workload runs (for borrowed addresses). */
export interface IpamAllocation {
  ip: string;
  handle: string;
  node: string;
}

/** A block as `calicoctl ipam show --show-blocks` and the routing side see it. */
export interface IpamBlockInfo {
  cidr: string;
  /** The node the block is affine to; undefined once its affinity was released. */
  affinity: string | undefined;
  size: number;
  inUse: number;
}

export type IpamChange =
  | { type: 'block-claimed' | 'block-released'; cidr: string; node: string }
  | { type: 'allocated' | 'released'; ip: string; node: string; handle: string; borrowed: boolean };

export type IpamListener = (changes: IpamChange[]) => void;

interface Block {
  index: number;
  base: number;
  affinity: string | undefined;
  /** ordinal → allocation. */
  used: Map<number, { handle: string; node: string }>;
}

export class CalicoIpam {
  readonly pool: string;
  readonly blockSize: number;
  readonly strictAffinity: boolean;
  readonly maxBlocksPerHost: number;
  private readonly poolBase: number;
  private readonly poolPrefix: number;
  private readonly blockCount: number;
  private readonly perBlock: number;
  private readonly blocks = new Map<number, Block>();
  /** Affine blocks per node, in claim order. */
  private readonly byNode = new Map<string, Block[]>();
  private readonly handles = new Map<string, { ip: number; block: Block; ordinal: number }>();
  private readonly listeners = new Set<IpamListener>();

  constructor(opts: IpamOptions) {
    const slash = opts.pool.indexOf('/');
    const base = parseIpv4(slash < 0 ? '' : opts.pool.slice(0, slash));
    const prefix = Number(opts.pool.slice(slash + 1));
    const blockSize = opts.blockSize ?? 26;
    if (!base.ok || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
      throw new KemuError('ERR_IPAM_CONFIG', `invalid IP pool CIDR "${opts.pool}"`);
    }
    if (!Number.isInteger(blockSize) || blockSize < prefix || blockSize > 32) {
      throw new KemuError('ERR_IPAM_CONFIG', `block size /${blockSize} does not fit in IP pool ${opts.pool}`);
    }
    this.poolPrefix = prefix;
    this.poolBase = (base.value & prefixMask(prefix)) >>> 0;
    this.pool = `${formatIpv4(this.poolBase)}/${prefix}`;
    this.blockSize = blockSize;
    this.strictAffinity = opts.strictAffinity ?? false;
    this.maxBlocksPerHost = opts.maxBlocksPerHost ?? 0;
    this.blockCount = 2 ** (blockSize - prefix);
    this.perBlock = 2 ** (32 - blockSize);
  }

  /** Listens to every change; returns the unsubscriber. */
  onChange(listener: IpamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * An address for `handleId` on `node` (calico's AutoAssign of one IPv4). A handle that already
   * holds an address gets it back (a CNI ADD retried). Throws ERR_IPAM_EXHAUSTED when nothing is free.
   */
  allocate(node: string, handleId: string): string {
    const held = this.handles.get(handleId);
    if (held !== undefined) return formatIpv4(held.ip);
    const changes: IpamChange[] = [];
    let block = (this.byNode.get(node) ?? []).find((b) => b.used.size < this.perBlock);
    if (block === undefined && (this.maxBlocksPerHost === 0 || this.blocksOf(node).length < this.maxBlocksPerHost)) {
      block = this.claimBlock(node, changes);
    }
    if (block === undefined && !this.strictAffinity) block = this.borrowableBlock();
    if (block === undefined) {
      const why = this.strictAffinity ? 'no free block in the pool and strictAffinity forbids borrowing' : 'every address of the pool is in use';
      throw new KemuError('ERR_IPAM_EXHAUSTED', `failed to allocate an address for ${handleId} on node ${node} from pool ${this.pool}: ${why}`);
    }
    const ordinal = this.firstFree(block);
    const ip = this.take(block, ordinal, handleId, node);
    changes.push({ type: 'allocated', ip: formatIpv4(ip), node, handle: handleId, borrowed: block.affinity !== node });
    this.emit(changes);
    return formatIpv4(ip);
  }

  /**
   * Records an address a workload already has (a pod that kept its IP across a restart). Claims the
   * block for `node` when it is unclaimed. Throws ERR_IPAM_NOT_IN_POOL or ERR_IPAM_IN_USE.
   */
  reserve(node: string, handleId: string, ipText: string): void {
    const parsed = parseIpv4(ipText);
    if (!parsed.ok || !this.inPool(parsed.value)) {
      throw new KemuError('ERR_IPAM_NOT_IN_POOL', `address ${ipText} is not in IP pool ${this.pool}`);
    }
    const ip = parsed.value;
    const held = this.handles.get(handleId);
    if (held !== undefined) {
      if (held.ip === ip) return;
      throw new KemuError('ERR_IPAM_IN_USE', `handle ${handleId} already holds ${formatIpv4(held.ip)}`);
    }
    const index = Math.floor((ip - this.poolBase) / this.perBlock);
    const changes: IpamChange[] = [];
    let block = this.blocks.get(index);
    if (block === undefined) block = this.createBlock(index, node, changes);
    const ordinal = ip - block.base;
    const owner = block.used.get(ordinal);
    if (owner !== undefined) throw new KemuError('ERR_IPAM_IN_USE', `address ${ipText} is already assigned to ${owner.handle}`);
    this.take(block, ordinal, handleId, node);
    changes.push({ type: 'allocated', ip: ipText, node, handle: handleId, borrowed: block.affinity !== node });
    this.emit(changes);
  }

  /** Frees what `handleId` holds; returns the address (undefined when it held none). */
  release(handleId: string): string | undefined {
    const held = this.handles.get(handleId);
    if (held === undefined) return undefined;
    const { block, ordinal } = held;
    const node = block.used.get(ordinal)!.node;
    block.used.delete(ordinal);
    this.handles.delete(handleId);
    const changes: IpamChange[] = [{ type: 'released', ip: formatIpv4(held.ip), node, handle: handleId, borrowed: block.affinity !== node }];
    // A block nobody is affine to disappears with its last address, as calico deletes it.
    if (block.affinity === undefined && block.used.size === 0) this.blocks.delete(block.index);
    this.emit(changes);
    return formatIpv4(held.ip);
  }

  /**
   * Releases the affinity of `node`'s empty blocks (what calico's IPAM garbage collection does for a
   * node that went away); blocks still holding addresses stay affine. Returns the released CIDRs.
   */
  releaseEmptyBlocks(node: string): string[] {
    const mine = this.byNode.get(node) ?? [];
    const released: string[] = [];
    const changes: IpamChange[] = [];
    for (const b of mine.filter((x) => x.used.size === 0)) {
      this.blocks.delete(b.index);
      released.push(this.cidrOf(b));
      changes.push({ type: 'block-released', cidr: this.cidrOf(b), node });
    }
    const kept = mine.filter((x) => x.used.size > 0);
    if (kept.length > 0) this.byNode.set(node, kept);
    else this.byNode.delete(node);
    this.emit(changes);
    return released;
  }

  /** The CIDRs of the blocks affine to `node`, in the order it claimed them. */
  blocksOf(node: string): string[] {
    return (this.byNode.get(node) ?? []).map((b) => this.cidrOf(b));
  }

  /** Every block, lowest first. */
  blockInfos(): IpamBlockInfo[] {
    return [...this.blocks.values()].sort((a, b) => a.index - b.index).map((b) => ({
      cidr: this.cidrOf(b), affinity: b.affinity, size: this.perBlock, inUse: b.used.size,
    }));
  }

  /** Addresses `node`'s workloads hold in blocks affine to another node (advertised as /32 routes). */
  borrowedBy(node: string): IpamAllocation[] {
    const out: IpamAllocation[] = [];
    for (const b of this.blocks.values()) {
      if (b.affinity === node) continue;
      for (const [ordinal, a] of b.used) if (a.node === node) out.push({ ip: formatIpv4(b.base + ordinal), handle: a.handle, node });
    }
    return out.sort((x, y) => ipNum(x.ip) - ipNum(y.ip));
  }

  /** Every allocation, lowest address first. */
  allocations(): IpamAllocation[] {
    return [...this.handles.entries()].sort((a, b) => a[1].ip - b[1].ip).map(([handle, h]) => ({
      ip: formatIpv4(h.ip), handle, node: h.block.used.get(h.ordinal)!.node,
    }));
  }

  /** The address `handleId` holds. */
  addressOf(handleId: string): string | undefined {
    const held = this.handles.get(handleId);
    return held === undefined ? undefined : formatIpv4(held.ip);
  }

  /** Pool totals: size and addresses in use. */
  usage(): { cidr: string; size: number; inUse: number } {
    return { cidr: this.pool, size: 2 ** (32 - this.poolPrefix), inUse: this.handles.size };
  }

  /** Whether `ip` (a number) is inside the pool. */
  inPool(ip: number): boolean {
    return ((ip & prefixMask(this.poolPrefix)) >>> 0) === this.poolBase;
  }

  private claimBlock(node: string, changes: IpamChange[]): Block | undefined {
    for (let i = 0; i < this.blockCount; i++) if (!this.blocks.has(i)) return this.createBlock(i, node, changes);
    return undefined;
  }

  private createBlock(index: number, node: string, changes: IpamChange[]): Block {
    const block: Block = { index, base: this.poolBase + index * this.perBlock, affinity: node, used: new Map() };
    this.blocks.set(index, block);
    const list = this.byNode.get(node);
    if (list === undefined) this.byNode.set(node, [block]);
    else list.push(block);
    changes.push({ type: 'block-claimed', cidr: this.cidrOf(block), node });
    return block;
  }

  /** The lowest block with a free address (calico picks among them in its own order). */
  private borrowableBlock(): Block | undefined {
    let best: Block | undefined;
    for (const b of this.blocks.values()) if (b.used.size < this.perBlock && (best === undefined || b.index < best.index)) best = b;
    return best;
  }

  private firstFree(block: Block): number {
    for (let o = 0; o < this.perBlock; o++) if (!block.used.has(o)) return o;
    throw new KemuError('ERR_IPAM_EXHAUSTED', `block ${this.cidrOf(block)} is full`); // callers check first
  }

  private take(block: Block, ordinal: number, handle: string, node: string): number {
    block.used.set(ordinal, { handle, node });
    const ip = (block.base + ordinal) >>> 0;
    this.handles.set(handle, { ip, block, ordinal });
    return ip;
  }

  private cidrOf(b: Block): string {
    return `${formatIpv4(b.base)}/${this.blockSize}`;
  }

  private emit(changes: IpamChange[]): void {
    if (changes.length === 0) return;
    for (const l of [...this.listeners]) {
      try {
        l(changes);
      } catch {
        // A listener's failure is its own: the allocation has happened and the caller gets its address.
      }
    }
  }
}

function ipNum(text: string): number {
  const r = parseIpv4(text);
  return r.ok ? r.value : 0;
}
