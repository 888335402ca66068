/**
 * The informers and workers of one run of a PodManager: a Controller whose sync is the manager's.
 * A fresh one per start(), because a Controller's work queue cannot be restarted once shut down.
 */
import type { Informer } from '../api/client/informer.js';
import type { Node, Pod } from '../api/types.js';
import { Controller } from '../controllers/controller.js';
import type { Clock } from '../util/clock.js';

export interface PodLoopOptions {
  name: string;
  clock: Clock;
  workers?: number;
  onError?(err: Error): void;
}

export class PodLoop extends Controller {
  constructor(
    readonly pods: Informer<Pod>,
    readonly nodes: Informer<Node>,
    private readonly syncFn: (loop: PodLoop, key: string) => Promise<void>,
    opts: PodLoopOptions,
  ) {
    super({ name: opts.name, clock: opts.clock, workers: opts.workers ?? 2, onError: (_k, e) => opts.onError?.(e) });
  }

  protected override informers(): Informer<any>[] {
    return [this.pods, this.nodes];
  }

  protected override sync(key: string): Promise<void> {
    return this.syncFn(this, key);
  }
}
