/**
 * The agnhost binary: cobra root "app" with klog's flags, dispatching to a subcommand. netexec,
 * serve-hostname and pause are emulated; agnhost's other subcommands are reported as not emulated.
 * As in the real main(), cobra's errors are printed and the binary still exits 0.
 */
import { type FlagSpec, parsePflags } from '../flags.js';
import { type Plan, exits, notEmulated, run } from '../plan.js';
import { Netexec, NETEXEC_FLAGS } from './netexec.js';
import { AGNHOST_PAUSE_FLAGS, AgnhostPause } from './pause.js';
import { SERVE_HOSTNAME_FLAGS, ServeHostname } from './serve-hostname.js';

/** klog's flags, which agnhost adds to every subcommand. */
export const KLOG_FLAGS: FlagSpec = {
  add_dir_header: { type: 'bool', default: false },
  alsologtostderr: { type: 'bool', default: false },
  log_backtrace_at: { type: 'string', default: '' },
  log_dir: { type: 'string', default: '' },
  log_file: { type: 'string', default: '' },
  log_file_max_size: { type: 'int', default: 1800 },
  logtostderr: { type: 'bool', default: true },
  one_output: { type: 'bool', default: false },
  skip_headers: { type: 'bool', default: false },
  skip_log_headers: { type: 'bool', default: false },
  stderrthreshold: { type: 'string', default: '2' },
  v: { type: 'string', default: '0', shorthand: 'v' },
  vmodule: { type: 'string', default: '' },
  help: { type: 'bool', default: false, shorthand: 'h' },
};

const SUBCOMMANDS: Record<string, FlagSpec> = {
  netexec: NETEXEC_FLAGS,
  'serve-hostname': SERVE_HOSTNAME_FLAGS,
  pause: AGNHOST_PAUSE_FLAGS,
};

/** Cobra's stripFlags: the first argument that is neither a flag nor the value of a root flag. */
function findSubcommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    const name = a.startsWith('--') ? a.slice(2) : a.length === 2 ? a.slice(1) : undefined;
    const def = name === undefined || name.includes('=') ? undefined : Object.entries(KLOG_FLAGS).find(([n, d]) => n === name || d.shorthand === name)?.[1];
    if (def && def.type !== 'bool') i++;
  }
  return undefined;
}

/** Plans `agnhost <args...>` (args without the program name). */
export function planAgnhost(args: readonly string[]): Plan {
  const sub = findSubcommand(args);
  if (sub === undefined || sub === 'help') {
    return exits('agnhost', 0, ['agnhost is an extendable CLI that behaves and outputs the same expected content, no matter the underlying OS.', 'Usage:', '  app [command]']);
  }
  const spec = SUBCOMMANDS[sub];
  if (!spec) return notEmulated(`agnhost ${sub}`);
  const rest = [...args];
  rest.splice(rest.indexOf(sub), 1);
  const parsed = parsePflags(rest, { ...KLOG_FLAGS, ...spec });
  const usage = (error: string): Plan => exits(`agnhost ${sub}`, 0, [`Error: ${error}`, 'Usage:', `  app ${sub} [flags]`]);
  if (!parsed.ok) return usage(parsed.error);
  if (parsed.positional.length > 0) return usage(`accepts at most 0 arg(s), received ${parsed.positional.length}`);
  if (parsed.values.help === true) return exits(`agnhost ${sub}`, 0, ['Usage:', `  app ${sub} [flags]`]);
  const values = parsed.values;
  switch (sub) {
    case 'netexec':
      return run('agnhost netexec', (ctx) => new Netexec(ctx, values));
    case 'serve-hostname':
      return run('agnhost serve-hostname', (ctx) => new ServeHostname(ctx, values));
    default:
      return run('agnhost pause', (ctx) => new AgnhostPause(ctx, values['delay-shutdown'] as number));
  }
}
