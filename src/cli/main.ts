/** The kemu command line: one file per command under src/cli, wired together here. */
import { Command, CommanderError } from 'commander';
import { upCommand } from './up.js';
import { validateCommand } from './validate.js';
import { nodeCommand } from './node.js';
import { DEFAULT_KUBECONFIG } from './kubeconfig.js';
import { registerPingCommand } from './ping.js';
import { registerTraceCommand } from './trace.js';
import { registerCaptureCommand } from './capture.js';

export async function run(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command();
  program
    .name('kemu')
    .description(
      'kemu — a Kubernetes networking emulator. A topology file describes nodes, an underlay, a CNI and a\n' +
        'kube-proxy mode plus ordinary manifests; kemu runs it in one unprivileged process with a real\n' +
        'API server that kubectl talks to.',
    )
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run `kemu --help` for usage)');

  program
    .command('up')
    .description('run a topology until interrupted (Ctrl-C); writes a kubeconfig for kubectl')
    .argument('<file>', 'topology file (YAML: a kind: Topology document and Kubernetes manifests)')
    .option('--api-port <port>', 'API server port on 127.0.0.1 (0 = any free port)', parsePort)
    .option('--kubeconfig <path>', 'where to write the kubeconfig', '.kemu/kubeconfig')
    .option('--status-file <path>', 'write cluster status as JSON here once ready')
    .option('--speed <x>', 'run Kubernetes timers x times faster (overrides timing.speed)', parseSpeed)
    .option('--json', 'log JSON lines on stderr instead of a progress display')
    .addHelpText(
      'after',
      '\nExamples:\n  kemu up topologies/demo.yaml\n  kubectl --kubeconfig .kemu/kubeconfig get nodes,pods,svc -o wide\n' +
        '  kemu up topologies/demo.yaml --api-port 0 --status-file /tmp/kemu.json --json',
    )
    .action(async (file: string, opts) => {
      exitCode = await upCommand(file, opts);
    });

  program
    .command('validate')
    .description('check topology files without running them (exit 0 valid, 1 invalid)')
    .argument('<files...>', 'topology files')
    .option('--json', 'print results as JSON')
    .addHelpText('after', '\nErrors are printed as FILE:LINE:COL: message, one per line.')
    .action(async (files: string[], opts: { json?: boolean }) => {
      exitCode = await validateCommand(files, opts, process.stdout, process.stderr);
    });

  const node = program
    .command('node')
    .description('act on a simulated host of a running cluster (found through --kubeconfig)');
  for (const action of ['stop', 'start'] as const) {
    node
      .command(action)
      .description(
        action === 'stop'
          ? 'power a node off: kubelet and data plane stop, so it goes NotReady/Unknown and its pods are evicted'
          : 'power a stopped node on again: its kubelet re-registers and renews its Lease',
      )
      .argument('<name>', 'node name, as in `kubectl get nodes`')
      .option('--kubeconfig <path>', 'kubeconfig written by `kemu up`', DEFAULT_KUBECONFIG)
      .option('--json', 'print the result as JSON')
      .addHelpText('after', `\nExample:\n  kemu node ${action} demo-worker && kubectl --kubeconfig .kemu/kubeconfig get nodes -w`)
      .action(async (name: string, opts: { kubeconfig: string; json?: boolean }) => {
        exitCode = await nodeCommand(action, name, opts);
      });
  }

  // Packet plane: kemu ping / trace / capture (src/cli/{ping,trace,capture}.ts).
  for (const register of [registerPingCommand, registerTraceCommand, registerCaptureCommand]) register(program, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`kemu: ${(err as Error).message}\n`);
    return 1;
  }
  return exitCode;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port: ${v}`);
  return n;
}

function parseSpeed(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`invalid speed: ${v} (a positive number, e.g. 10)`);
  return n;
}
