/**
 * One fan-out per shared Node informer: the informer gets a single set of handlers, whatever the
 * number of agents, and each Node object is turned into a lease once (kept per object in a
 * WeakMap), so a thousand agents share both the cache and the lease objects. Unlike informer
 * handlers, subscriptions here can be removed — an agent that stops leaves nothing behind.
 */
import type { Informer } from '../../api/client/informer.js';
import type { Node } from '../../api/types.js';
import type { Lease } from '../backend.js';
import { nodeToLease } from './annotations.js';

export type NodeListener = (node: Node, deleted: boolean) => void;

const hubs = new WeakMap<Informer<Node>, LeaseHub>();

export class LeaseHub {
  private readonly listeners = new Set<NodeListener>();
  private readonly byName = new Map<string, Set<NodeListener>>();
  private readonly leases = new WeakMap<Node, Lease | null>();
  private errorHandler: ((err: unknown) => void) | undefined;

  private constructor(readonly informer: Informer<Node>) {
    informer.addHandlers({
      onAdd: (n) => this.emit(n, false),
      onUpdate: (_old, n) => this.emit(n, false),
      onDelete: (n) => this.emit(n, true),
    });
  }

  /** The hub of `informer`, created on first use. */
  static of(informer: Informer<Node>): LeaseHub {
    let hub = hubs.get(informer);
    if (hub === undefined) hubs.set(informer, (hub = new LeaseHub(informer)));
    return hub;
  }

  /** Called with listener exceptions (they are never let into the informer). */
  onListenerError(handler: (err: unknown) => void): void {
    this.errorHandler = handler;
  }

  /** The lease `node` publishes (computed once per object). */
  leaseOf(node: Node): Lease | undefined {
    let lease = this.leases.get(node);
    if (lease === undefined) {
      lease = nodeToLease(node) ?? null;
      this.leases.set(node, lease);
    }
    return lease ?? undefined;
  }

  node(name: string): Node | undefined {
    return this.informer.get(undefined, name);
  }

  nodes(): Node[] {
    return this.informer.list();
  }

  /** Live subscriptions (all-node and per-node), for leak checks. */
  get subscriptions(): number {
    let n = this.listeners.size;
    for (const set of this.byName.values()) n += set.size;
    return n;
  }

  /** Every Node event; returns the unsubscriber. */
  subscribe(listener: NodeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events of one Node only (an agent watching its own Node). */
  subscribeNode(name: string, listener: NodeListener): () => void {
    let set = this.byName.get(name);
    if (set === undefined) this.byName.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0 && this.byName.get(name) === set) this.byName.delete(name);
    };
  }

  private emit(node: Node, deleted: boolean): void {
    for (const l of this.listeners) this.call(l, node, deleted);
    const named = this.byName.get(node.metadata.name ?? '');
    if (named !== undefined) for (const l of named) this.call(l, node, deleted);
  }

  private call(listener: NodeListener, node: Node, deleted: boolean): void {
    try {
      listener(node, deleted);
    } catch (err) {
      this.errorHandler?.(err);
    }
  }
}
