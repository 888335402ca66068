/**
 * Node IPAM: kube-controller-manager's range allocator (--allocate-node-cidrs, --cluster-cidr,
 * --node-cidr-mask-size). Gives every Node without a podCIDR the next free subnet of the cluster
 * CIDR and frees it when the Node goes. A Node that cannot get one keeps none, gets a
 * `CIDRNotAvailable` event, and is retried with backoff (and at once when a subnet is freed).
 *
 * Dual stack: `clusterCIDR` may list one CIDR per family ("10.244.0.0/16,fd00:10:244::/56");
 * the IPv6 subnet size is `nodeCIDRMaskSizeIPv6` (Kubernetes' default /64).
 */
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import type { Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { Node } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import { Controller } from '../controller.js';
import type { EventRecorder } from '../events.js';
import { CidrSet, parseCidr } from './cidrset.js';

export interface NodeIpamOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** --cluster-cidr; one CIDR, or one per IP family separated by a comma. */
  clusterCIDR: string;
  /** --service-cluster-ip-range; its overlap with the cluster CIDR is never given to a node. */
  serviceCIDR?: string;
  /** --node-cidr-mask-size (IPv4 or single-stack; Kubernetes' default 24 for IPv4). */
  nodeCIDRMaskSize: number;
  /** --node-cidr-mask-size-ipv6 for a dual-stack cluster CIDR (default 64). */
  nodeCIDRMaskSizeIPv6?: number;
  recorder: EventRecorder;
  onError?(err: Error): void;
}

export const CIDR_NOT_AVAILABLE = 'CIDRNotAvailable';
export const CIDR_ASSIGNMENT_FAILED = 'CIDRAssignmentFailed';

interface Held {
  uid: string;
  cidrs: string[];
}

export class NodeIpamController extends Controller {
  private readonly nodes: Informer<Node>;
  /** One set per IP family, in the order the cluster CIDRs were given. */
  readonly sets: CidrSet[];
  /** What this allocator has marked taken per node name (to release on delete). */
  private readonly held = new Map<string, Held>();
  private primed = false;

  constructor(private readonly o: NodeIpamOptions) {
    super({ name: 'node-ipam-controller', clock: o.clock, onError: (_key, err) => o.onError?.(err) });
    const cidrs = o.clusterCIDR.split(',').map((s) => s.trim()).filter(Boolean);
    this.sets = cidrs.map((c) => {
      const family = parseCidr(c).family;
      return new CidrSet(c, family === 6 && cidrs.length > 1 ? o.nodeCIDRMaskSizeIPv6 ?? 64 : o.nodeCIDRMaskSize);
    });
    if (this.sets.length === 0 || this.sets.length > 2 || (this.sets.length === 2 && this.sets[0]!.family === this.sets[1]!.family)) {
      throw new KemuError('ERR_CIDR_INVALID', `cluster CIDR must be one CIDR or one per IP family: ${o.clusterCIDR}`);
    }
    // The service range is carved out of the cluster range where they overlap (filterOutServiceRange).
    for (const svc of (o.serviceCIDR ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      for (const set of this.sets) if (set.overlaps(svc)) set.occupy(svc);
    }
    this.nodes = o.factory.informer<Node>('nodes');
    this.nodes.addHandlers({
      onAdd: (n) => this.enqueue(n.metadata.name!),
      // Work on update: a node still lacking a podCIDR, or one whose podCIDRs someone else changed.
      onUpdate: (old, n) => {
        if (!podCIDRsOf(n).length || !same(podCIDRsOf(old), podCIDRsOf(n))) this.enqueue(n.metadata.name!);
      },
      onDelete: (n) => this.enqueue(n.metadata.name!),
    });
  }

  protected informers(): Informer<any>[] {
    return [this.nodes];
  }

  protected async sync(name: string): Promise<void> {
    this.prime();
    const node = this.nodes.get(undefined, name);
    const held = this.held.get(name);
    if (held && (!node || node.metadata.uid !== held.uid)) {
      this.releaseHeld(name, held);
      if (node) this.occupyExisting(node); // a re-created node may arrive with a podCIDR already
    }
    if (!node) return;
    if (podCIDRsOf(node).length) {
      this.occupyExisting(node);
      return;
    }
    const mine = this.held.get(name);
    // Allocated earlier but the informer has not seen the patch yet: write the same CIDRs again.
    const cidrs = mine?.cidrs ?? this.allocate(node);
    if (!mine) this.held.set(name, { uid: node.metadata.uid ?? '', cidrs });
    try {
      await this.o.client.patch('nodes', undefined, name, 'merge', { spec: { podCIDR: cidrs[0], podCIDRs: cidrs } });
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return; // its delete event releases
      this.releaseHeld(name, this.held.get(name)!);
      this.o.recorder.normal(node, CIDR_ASSIGNMENT_FAILED, `Node ${name} status is now: ${CIDR_ASSIGNMENT_FAILED}`);
      throw err;
    }
  }

  /** Takes one subnet from every family, all or nothing. */
  private allocate(node: Node): string[] {
    const out: string[] = [];
    try {
      for (const set of this.sets) out.push(set.allocateNext());
      return out;
    } catch (err) {
      out.forEach((c, i) => this.sets[i]!.release(c));
      // Kubernetes' RecordNodeStatusChange wording; retried by the queue with backoff.
      this.o.recorder.normal(node, CIDR_NOT_AVAILABLE, `Node ${node.metadata.name} status is now: ${CIDR_NOT_AVAILABLE}`);
      throw err;
    }
  }

  /** On the first sync every Node already holding a podCIDR is marked taken, before anything is handed out. */
  private prime(): void {
    if (this.primed) return;
    this.primed = true;
    for (const n of this.nodes.list()) if (podCIDRsOf(n).length) this.occupyExisting(n);
  }

  private occupyExisting(node: Node): void {
    const name = node.metadata.name!;
    const cidrs = podCIDRsOf(node);
    const held = this.held.get(name);
    if (held && held.uid === node.metadata.uid && same(held.cidrs, cidrs)) return;
    if (held) this.releaseHeld(name, held);
    const taken: string[] = [];
    for (const c of cidrs) {
      const set = this.sets.find((s) => s.overlaps(c));
      if (!set) {
        this.o.onError?.(new KemuError('ERR_CIDR_OUT_OF_RANGE', `node ${name} podCIDR ${c} is outside cluster CIDR ${this.o.clusterCIDR}`));
        continue;
      }
      set.occupy(c);
      taken.push(c);
    }
    this.held.set(name, { uid: node.metadata.uid ?? '', cidrs: taken });
  }

  private releaseHeld(name: string, held: Held): void {
    for (const c of held.cidrs) this.sets.find((s) => s.overlaps(c))?.release(c);
    this.held.delete(name);
    // A subnet came free: nodes waiting for one need not wait out their backoff.
    for (const n of this.nodes.list()) if (!podCIDRsOf(n).length && n.metadata.name !== name) this.enqueue(n.metadata.name!);
  }
}

export function podCIDRsOf(node: Node): string[] {
  const list = node.spec?.podCIDRs ?? [];
  if (list.length) return [...list];
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
