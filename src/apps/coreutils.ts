/**
 * The few shell utilities a pod spec uses to keep a container alive or to wrap the real program:
 * sleep, tail -f, true/false, and `sh -c` when its script is one simple command (which the shell
 * execs) or a `while true; do sleep N; done` loop. As PID 1 without a handler, these ignore SIGTERM,
 * so the kubelet ends them with SIGKILL when the grace period runs out, as on a real node.
 */
import { type Plan, exits, notEmulated, run } from './plan.js';
import { Waiter } from './process-kinds.js';

const SLEEP_UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** sleep NUMBER[smhd]... | infinity: the total, Infinity, or the error it prints. */
export function sleepDuration(args: readonly string[]): { ok: true; ms: number } | { ok: false; error: string } {
  if (args.length === 0) return { ok: false, error: 'sleep: missing operand' };
  let total = 0;
  for (const a of args) {
    if (/^(inf|infinity)$/i.test(a)) return { ok: true, ms: Infinity };
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (!m) return { ok: false, error: `sleep: invalid time interval '${a}'` };
    total += Number(m[1]) * SLEEP_UNITS[m[2]!]!;
  }
  return { ok: true, ms: total };
}

export function planSleep(args: readonly string[]): Plan {
  const d = sleepDuration(args);
  if (!d.ok) return exits('sleep', 1, [d.error]);
  return run('sleep', (ctx) => new Waiter(ctx, Number.isFinite(d.ms) ? d.ms : undefined, true));
}

export function planTail(args: readonly string[]): Plan {
  if (args.some((a) => a === '-f' || a === '-F' || a === '--follow')) return run('tail', (ctx) => new Waiter(ctx, undefined, true));
  return notEmulated(`tail ${args.join(' ')}`);
}

/** Splits a shell script into words; undefined when it is more than one simple command. */
export function shellWords(script: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? '') + script.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < script.length && script[j] !== '"'; j++) {
        if (script[j] === '$' || script[j] === '`') return undefined;
        if (script[j] === '\\' && j + 1 < script.length && '"\\$`'.includes(script[j + 1]!)) j++;
        s += script[j];
      }
      if (j >= script.length) return undefined;
      word = (word ?? '') + s;
      i = j;
    } else if (c === '\\' && i + 1 < script.length) {
      word = (word ?? '') + script[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (';&|<>()`$*?[]{}#~'.includes(c)) {
      return undefined;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

const FOREVER_LOOP = /^\s*while\s+(true|:)\s*;\s*do\s+sleep\s+[\d.]+[smhd]?\s*;\s*done\s*;?\s*$/;

/**
 * sh/bash/ash. `-c script` runs one command (`exec` optional); without a script the shell reads its
 * stdin: with `stdin: true` it waits for ever, otherwise it reads EOF and exits 0.
 */
export function planShell(shell: string, args: readonly string[], stdinOpen: boolean, planCommand: (argv: string[]) => Plan): Plan {
  const c = args.indexOf('-c');
  if (c < 0) {
    if (args.length > 0 && !args[0]!.startsWith('-')) return notEmulated(`${shell} ${args.join(' ')}`);
    return stdinOpen ? run(shell, (ctx) => new Waiter(ctx, undefined, true)) : exits(shell, 0, []);
  }
  const script = args[c + 1];
  if (script === undefined) return exits(shell, 2, [`${shell}: -c: option requires an argument`]);
  if (FOREVER_LOOP.test(script)) return run(shell, (ctx) => new Waiter(ctx, undefined, true));
  const words = shellWords(script);
  if (words === undefined) return notEmulated(`${shell} -c ${JSON.stringify(script)}`);
  if (words[0] === 'exec') words.shift();
  if (words.length === 0) return exits(shell, 0, []);
  return planCommand(words);
}
