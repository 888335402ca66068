/**
 * A CNI agent's level-triggered loop: every trigger asks for a sync; a trigger during a sync asks
 * for one more after it, so a burst of events costs at most two syncs and none is lost. The first
 * sync waits for the current synchronous stretch to finish (one microtask): a burst raised in one
 * go — 50 IPAM block claims, each heard by all 50 calico agents — then costs one sync per agent,
 * not two.
 */
export class SyncLoop {
  private syncing = false;
  private again = false;
  private current: Promise<void> = Promise.resolve();

  /** `active()` false stops the loop from starting or repeating a sync (the agent stopped). */
  constructor(private readonly sync: () => Promise<void>, private readonly active: () => boolean) {}

  kick(): void {
    if (!this.active()) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    this.current = (async () => {
      try {
        await Promise.resolve();
        if (!this.active()) return;
        do {
          this.again = false;
          await this.sync();
        } while (this.again && this.active());
      } finally {
        this.syncing = false;
      }
    })();
  }

  /** Resolves when no sync runs (the one in flight, and its repeat, are done). */
  get idle(): Promise<void> {
    return this.current;
  }
}
