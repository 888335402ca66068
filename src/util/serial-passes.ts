/**
 * Level-triggered work done one pass at a time: a request during a pass queues one more pass, and
 * any number of requests before it starts are that one pass (a burst of 5,000 Service events is one
 * reconcile, since every pass reads the whole state anyway).
 */
export class SerialPasses {
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly pass: () => Promise<void>, private readonly onError: (err: Error) => void) {}

  request(): void {
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(() => {
      this.queued = false;
      return this.pass();
    }).catch((err: Error) => this.onError(err));
  }

  /** Resolves when every pass requested so far has run. */
  settled(): Promise<void> {
    return this.chain;
  }
}
