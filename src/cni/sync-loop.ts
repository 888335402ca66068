/**
 * A CNI agent's level-triggered loop: every trigger asks for a sync; a trigger during a sync asks
 * for one more after it, so a burst of events costs at most two syncs and none is lost. Triggers
 * raised in one synchronous stretch — 50 IPAM block claims, each heard by all 50 calico agents —
 * are one sync per agent, not two. That is SerialPasses' coalescing (the edge's reconcilers use it
 * too); the loop adds the agent's on/off switch.
 */
import { SerialPasses } from '../util/serial-passes.js';

export class SyncLoop {
  private readonly passes: SerialPasses;

  /**
   * `active()` false stops the loop from starting or repeating a sync (the agent stopped). A sync
   * handles its own failures; one that escapes is a bug, rethrown out of band unless `onError` is given.
   */
  constructor(sync: () => Promise<void>, private readonly active: () => boolean, onError: (err: Error) => void = rethrow) {
    this.passes = new SerialPasses(async () => {
      if (this.active()) await sync();
    }, onError);
  }

  kick(): void {
    if (this.active()) this.passes.request();
  }

  /** Resolves when no sync runs (the one in flight, and its repeat, are done). */
  get idle(): Promise<void> {
    return this.passes.settled();
  }
}

function rethrow(err: Error): void {
  queueMicrotask(() => {
    throw err;
  });
}
