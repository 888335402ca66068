/**
 * Progress display for long work: a live line per phase on a terminal, plain lines when output is
 * piped, and JSON lines with --json so scripts can follow along.
 */
export type ProgressMode = 'tty' | 'plain' | 'json' | 'silent';

export interface Progress {
  /** Starts a phase; returns a function that ends it with an optional detail. */
  phase(name: string): PhaseHandle;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface PhaseHandle {
  update(detail: string): void;
  done(detail?: string): void;
  fail(detail: string): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(mode: ProgressMode, out: NodeJS.WritableStream = process.stderr): Progress {
  const write = (s: string) => void out.write(s);
  const json = (event: string, fields: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n');

  return {
    phase(name) {
      const started = Date.now();
      const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
      let detail = '';
      let frame = 0;
      let timer: NodeJS.Timeout | undefined;
      const draw = () => write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${name}${detail ? ` — ${detail}` : ''}`);
      if (mode === 'tty') {
        draw();
        timer = setInterval(draw, 80);
        timer.unref();
      } else if (mode === 'json') json('phase-start', { phase: name });
      const finish = (ok: boolean, text?: string) => {
        if (timer) clearInterval(timer);
        if (mode === 'tty') write(`\r\x1b[2K${ok ? '✓' : '✗'} ${name}${text ? ` — ${text}` : ''} (${elapsed()})\n`);
        else if (mode === 'plain') write(`${ok ? 'ok  ' : 'FAIL'} ${name}${text ? ` — ${text}` : ''} (${elapsed()})\n`);
        else if (mode === 'json') json(ok ? 'phase-done' : 'phase-failed', { phase: name, detail: text, seconds: (Date.now() - started) / 1000 });
      };
      return {
        update(d) {
          detail = d;
          if (mode === 'json') json('phase-progress', { phase: name, detail: d });
        },
        done: (d) => finish(true, d),
        fail: (d) => finish(false, d),
      };
    },
    info(message, fields = {}) {
      if (mode === 'json') json('info', { message, ...fields });
      else if (mode !== 'silent') write(`${message}\n`);
    },
    warn(message, fields = {}) {
      if (mode === 'json') json('warning', { message, ...fields });
      else if (mode !== 'silent') write(`warning: ${message}\n`);
    },
  };
}

export function defaultProgressMode(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (json) return 'json';
  return stream.isTTY ? 'tty' : 'plain';
}
