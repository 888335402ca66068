/**
 * BIRD's kernel protocol on a node: the static blackholes of its own blocks plus the best route of
 * every learned prefix, as kernel-routes.ts shapes them per mode, kept in the node's table.
 *   - Best-route changes are programmed incrementally, once per event-loop turn, only for the
 *     prefixes that changed: a node joining a 50-node mesh receives 49 UPDATEs back to back, an
 *     import from an outside peer brings 100,000 routes in thousands of UPDATEs, and a full pass
 *     per turn would make that quadratic. `program()` is the full pass (a resync, BIRD's scan).
 *   - Routes a previous BIRD left (`persist`) are adopted and kept until the sessions had a hold
 *     time to come back (`startGrace`), like BIRD's graceful restart of the kernel protocol.
 */
import type { RouteChange } from '../../bgp/rib/index.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { parseIpv4 } from '../../net/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import {
  BIRD_PROTO, type BirdRouteContext, RouteProgrammer, type RouteWant, birdRoute, blackhole, parsePrefix, resolvingOnce,
} from './kernel-routes.js';

export interface BirdKernelOptions {
  ns: NetNamespace;
  /** For the once-per-turn programming (a timeout of 0). */
  clock: Clock;
  routes: BirdRouteContext;
  skip?(prefix: [number, number]): boolean;
  blackholes: boolean;
  report: { set(key: string, message: string): void; clear(key: string): void };
  /** Who failures are reported as; default "bird". */
  who?: string;
}

export class BirdKernel {
  private readonly programmer: RouteProgrammer;
  /** The node's own blocks: their static blackholes win over learned routes (when `blackholes`). */
  private ownBlocks = new Set<string>();
  /** Best learned route per prefix: the prefix parsed once, and the next hop. */
  private readonly learned = new Map<string, { prefix: [number, number]; nextHop: number }>();
  /** Prefixes whose best route changed since the kernel was last programmed. */
  private dirty = new Set<string>();
  private pending = false;
  /** Routes a previous BIRD left (`persist`), kept until the sessions had a hold time to come back. */
  private readonly adopted: Set<string>;
  private graceTimer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly o: BirdKernelOptions) {
    this.programmer = new RouteProgrammer(o.ns, o.report, o.who ?? 'bird');
    this.adopted = new Set(this.programmer.adopt((r) => r.proto === BIRD_PROTO));
  }

  /** Drops the adopted routes nobody announced again after `ms` on `clock`. */
  startGrace(clock: Clock, ms: number): void {
    if (this.adopted.size === 0 || this.graceTimer !== undefined) return;
    this.graceTimer = clock.setTimeout(() => {
      this.adopted.clear();
      this.program();
    }, ms);
  }

  /** BIRD stops: the kernel routes stay (`persist`), the sessions' withdrawals are not applied. */
  stop(): void {
    this.closed = true;
    this.graceTimer?.cancel();
  }

  setOwnBlocks(blocks: readonly string[]): void {
    this.ownBlocks = new Set(blocks);
  }

  /** What this BIRD has installed, by prefix. */
  installed(): Map<string, RouteWant> {
    return this.programmer.routes();
  }

  /** Best learned routes changed (the speaker's onRoutes): remember them, program them this turn. */
  learn(changes: readonly RouteChange[]): void {
    if (this.closed) return;
    const nextHops = new Map<string, number | undefined>(); // one UPDATE's routes share their next hop
    for (const c of changes) {
      this.dirty.add(c.prefix);
      if (c.type === 'remove') {
        this.learned.delete(c.prefix);
        continue;
      }
      if (!nextHops.has(c.nextHop)) {
        const nh = parseIpv4(c.nextHop);
        nextHops.set(c.nextHop, nh.ok ? nh.value : undefined);
      }
      const nextHop = nextHops.get(c.nextHop);
      const prefix = parsePrefix(c.prefix);
      if (nextHop !== undefined && prefix !== undefined) this.learned.set(c.prefix, { prefix, nextHop });
      else this.learned.delete(c.prefix);
    }
    if (this.pending) return;
    this.pending = true;
    this.o.clock.setTimeout(() => {
      this.pending = false;
      this.programChanged();
    }, 0);
  }

  /** Re-applies every kernel route (a resync repairs a route someone deleted). */
  program(): number {
    if (this.closed) return 0;
    this.dirty.clear();
    const wanted = new Map<string, RouteWant>();
    if (this.o.blackholes) for (const b of this.ownBlocks) wanted.set(b, blackhole(parsePrefix(b)!, BIRD_PROTO));
    const ctx = resolvingOnce(this.o.routes); // every route is resolved before any is installed
    for (const key of this.learned.keys()) {
      if (wanted.has(key)) continue;
      const w = this.wantFor(key, ctx);
      if (w !== undefined) wanted.set(key, w);
    }
    if (this.adopted.size > 0) {
      const installed = this.programmer.routes();
      for (const key of this.adopted) {
        const have = installed.get(key);
        if (!wanted.has(key) && have !== undefined) wanted.set(key, have);
      }
    }
    return this.programmer.apply(wanted);
  }

  private programChanged(): void {
    if (this.closed) return;
    const dirty = this.dirty;
    this.dirty = new Set();
    const changes = new Map<string, RouteWant | undefined>();
    const ctx = resolvingOnce(this.o.routes);
    for (const key of dirty) {
      if (this.o.blackholes && this.ownBlocks.has(key)) continue; // the static blackhole wins over a learned route
      const want = this.wantFor(key, ctx);
      if (want === undefined && this.adopted.has(key)) continue; // kept until the grace time ends
      changes.set(key, want);
    }
    this.programmer.update(changes);
  }

  /** The kernel route for a learned prefix; undefined when there is none, it is skipped or its next hop unresolvable. */
  private wantFor(key: string, ctx: BirdRouteContext): RouteWant | undefined {
    const l = this.learned.get(key);
    if (l === undefined || this.o.skip?.(l.prefix) === true) return undefined;
    return birdRoute(l.prefix, l.nextHop, ctx);
  }
}
