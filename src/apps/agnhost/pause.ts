/**
 * Programs that only wait: agnhost pause (prints "Paused"; SIGTERM → optional --delay-shutdown,
 * "exiting 2", exit 2), the pod infrastructure image registry.k8s.io/pause (exits 0 on SIGTERM),
 * and what kemu runs in place of an image it does not emulate.
 */
import { Process } from '../process.js';
import type { FlagSpec } from '../flags.js';
import type { WorkloadContext } from '../types.js';

export const AGNHOST_PAUSE_FLAGS: FlagSpec = {
  'delay-shutdown': { type: 'int', default: 0 },
};

export class AgnhostPause extends Process {
  constructor(ctx: WorkloadContext, private readonly delayShutdownS: number) {
    super(ctx);
  }

  protected main(): void {
    this.ctx.log('Paused');
  }

  protected override onSigterm(): void {
    // The sleep notice is printed without a newline, so it shares its line with "exiting 2".
    const prefix = this.delayShutdownS > 0 ? `Sleeping ${this.delayShutdownS} seconds before exit ...` : '';
    this.after(Math.max(0, this.delayShutdownS) * 1000, () => {
      this.ctx.log(`${prefix}exiting 2`);
      this.exit(2);
    });
  }
}

/** registry.k8s.io/pause: sleeps until a signal, then exits 0. */
export class Pause extends Process {
  protected main(): void {}

  protected override onSigterm(): void {
    this.ctx.log('Shutting down, got signal: Terminated');
    this.exit(0);
  }
}
