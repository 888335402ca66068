/**
 * Processes with no network behaviour: one that waits for ever (optionally ignoring SIGTERM, as
 * PID 1 does for a signal it has no handler for), one that exits by itself after a while, and one
 * that prints lines and exits at once (a usage error, `true`, a shell without input).
 */
import { Process } from './process.js';
import type { WorkloadContext } from './types.js';

export class Waiter extends Process {
  /**
   * @param exitAfterMs exit 0 after this long (sleep N); undefined waits for ever
   * @param ignoresSigterm PID 1 without a handler (sleep, tail, sh): only SIGKILL ends it
   */
  constructor(ctx: WorkloadContext, private readonly exitAfterMs: number | undefined, private readonly ignoresSigterm: boolean) {
    super(ctx);
  }

  protected main(): void {
    if (this.exitAfterMs !== undefined) this.after(this.exitAfterMs, () => this.exit(0));
  }

  protected override onSigterm(): void {
    if (!this.ignoresSigterm) super.onSigterm();
  }
}

export class Exited extends Process {
  constructor(ctx: WorkloadContext, private readonly code: number, private readonly lines: readonly string[]) {
    super(ctx);
  }

  protected main(): void {
    for (const line of this.lines) this.ctx.log(line);
    this.exit(this.code);
  }
}
