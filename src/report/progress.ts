/**
 * A progress bar per run, on stderr: on a terminal one line redrawn in place
 * (`[██████░░░░░░] 7/18 flannel-vxlan: bulk (tcp)`) and left as a summary line when the run ends;
 * piped, one plain line per finished step; with --json, JSON lines.
 */
import type { RunnerHooks } from '../scenario/runner.js';
import type { RunResult } from '../scenario/types.js';
import type { ProgressMode } from '../util/progress.js';
import { fmtMs } from './format.js';

export interface RunProgress {
  hooks: RunnerHooks;
  /** The cluster is starting (before the first step). */
  starting(detail: string): void;
  finish(result: RunResult): void;
}

const WIDTH = 24;

export function bar(done: number, total: number): string {
  const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
  return `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}]`;
}

export function createRunProgress(label: string, totalSteps: number, mode: ProgressMode, out: NodeJS.WritableStream = process.stderr): RunProgress {
  const write = (s: string) => void out.write(s);
  const json = (event: string, fields: Record<string, unknown>) => write(JSON.stringify({ time: new Date().toISOString(), event, run: label, ...fields }) + '\n');
  let done = 0;
  const draw = (detail: string) => write(`\r\x1b[2K${bar(done, totalSteps)} ${String(done).padStart(2)}/${totalSteps} ${label}: ${detail}`);
  return {
    hooks: {
      onStart(index, total, stepLabel, step) {
        if (mode === 'tty') draw(`${stepLabel}${stepLabel.includes(step.step) ? '' : ` (${step.step})`}`);
        else if (mode === 'json') json('step-start', { index, total, step: step.step, label: stepLabel });
      },
      onResult(r, total) {
        done++;
        if (mode === 'tty') draw(`${r.label} ${r.status}`);
        else if (mode === 'plain') write(`${label} ${bar(done, total)} ${String(done).padStart(2)}/${total} ${r.label}: ${r.status} (${fmtMs(r.durationMs)})\n`);
        else if (mode === 'json') json('step-done', { index: r.index, label: r.label, status: r.status, summary: r.summary, ms: Math.round(r.durationMs) });
      },
    },
    starting(detail) {
      if (mode === 'tty') draw(detail);
      else if (mode === 'plain') write(`${label}: ${detail}\n`);
      else if (mode === 'json') json('run-start', { detail });
    },
    finish(r) {
      const text = r.error !== null ? `error: ${r.error}` : `${r.steps.length} steps, asserts ${r.asserts.passed}/${r.asserts.total}` +
        `${r.notBuilt.length ? `, ${r.notBuilt.join(', ')} not built` : ''}, ${fmtMs(r.durationMs)}`;
      if (mode === 'tty') write(`\r\x1b[2K${r.error === null && r.asserts.failed === 0 ? '✓' : '✗'} ${label}: ${text}\n`);
      else if (mode === 'plain') write(`${label}: done — ${text}\n`);
      else if (mode === 'json') json('run-done', { error: r.error, asserts: r.asserts, notBuilt: r.notBuilt, ms: Math.round(r.durationMs) });
    },
  };
}
