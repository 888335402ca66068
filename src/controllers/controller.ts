/**
 * The controller pattern every kemu control loop follows: informer handlers only enqueue keys;
 * workers take keys and run `sync(key)`, which reads the informer caches and makes the world match
 * (level-triggered: duplicate or missed events do not matter, the next sync repairs drift).
 */
import type { Clock } from '../util/clock.js';
import { WorkQueue } from '../util/workqueue.js';
import type { Informer } from '../api/client/informer.js';

export interface ControllerOptions {
  name: string;
  clock: Clock;
  workers?: number;
  /** Retries before a key is dropped until its next event (client-go controllers use 5-15). */
  maxRetries?: number;
  onError?(key: string, err: Error): void;
}

export abstract class Controller {
  protected readonly queue: WorkQueue;
  protected readonly clock: Clock;
  private running = false;
  private readonly workerLoops: Promise<void>[] = [];

  constructor(protected readonly opts: ControllerOptions) {
    this.clock = opts.clock;
    this.queue = new WorkQueue({ clock: opts.clock });
  }

  /** Makes the world match the desired state for one key. Throw to retry with backoff. */
  protected abstract sync(key: string): Promise<void>;

  /** Informers this controller reads; start() waits for them to sync before the workers run. */
  protected abstract informers(): Informer<any>[];

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const inf of this.informers()) inf.start();
    await Promise.all(this.informers().map((i) => i.waitForSync()));
    for (let i = 0; i < (this.opts.workers ?? 1); i++) this.workerLoops.push(this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.queue.shutDown();
    await Promise.all(this.workerLoops.splice(0));
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** True when no work is queued, running or waiting to be retried. */
  idle(): boolean {
    return this.queue.idle();
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        this.opts.onError?.(key, err as Error);
        if (this.queue.numRequeues(key) < (this.opts.maxRetries ?? 15)) this.queue.addRateLimited(key);
        else this.queue.forget(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
