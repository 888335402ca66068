/**
 * What a container's argv turns into: a program to start, or "not emulated" (kemu then runs it as
 * pause and says so on the pod). Usage errors are programs too: they print what the real binary
 * prints and exit with its code, which the kubelet side turns into restarts.
 */
import { Exited } from './process-kinds.js';
import type { Process } from './process.js';
import type { WorkloadContext } from './types.js';

export type Plan =
  | { kind: 'run'; program: string; start: (ctx: WorkloadContext) => Process }
  | { kind: 'not-emulated'; what: string };

export function run(program: string, start: (ctx: WorkloadContext) => Process): Plan {
  return { kind: 'run', program, start };
}

/** A program that prints `lines` and exits with `code` at once. */
export function exits(program: string, code: number, lines: readonly string[]): Plan {
  return run(program, (ctx) => new Exited(ctx, code, lines));
}

export function notEmulated(what: string): Plan {
  return { kind: 'not-emulated', what };
}
