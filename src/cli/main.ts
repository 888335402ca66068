/** The kemu command line: one file per command under src/cli, wired together here. */
import { Command, CommanderError } from 'commander';
import { upCommand } from './up.js';
import { validateCommand } from './validate.js';
import { nodeCommand } from './node.js';
import { DEFAULT_KUBECONFIG } from './kubeconfig.js';
import { registerPingCommand } from './ping.js';
import { registerCurlCommand } from './curl.js';
import { SHOW_VIEWS, nodeShowCommand } from './node-show.js';
import { registerPortForwardCommand } from './port-forward.js';
import { registerTraceCommand } from './trace.js';
import { registerCaptureCommand } from './capture.js';
import { runCommand } from './run.js';
import { compareCommand } from './compare.js';
import { bgpCommand } from './bgp.js';
import { DEFAULT_NODE_ADDRESS_BASE, SHARED_REAL_ADDRESS } from '../lab/from-topology.js';
import { DEFAULT_LB_ADDRESS_BASE } from '../lab/edge/lb-backends.js';

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

  withRealAddressOptions(program
    .command('up')
    .description('run a topology until interrupted (Ctrl-C); writes a kubeconfig for kubectl')
    .argument('<file>', 'topology file (YAML: a kind: Topology document and Kubernetes manifests)')
    .option('--api-port <port>', 'API server port on 127.0.0.1 (0 = any free port)', parsePort)
    .option('--kubeconfig <path>', 'where to write the kubeconfig', '.kemu/kubeconfig')
    .option('--status-file <path>', 'write cluster status as JSON here once ready')
    .option('--speed <x>', 'run Kubernetes timers x times faster (overrides timing.speed)', parseSpeed)
    .option('--bgp-port <port>', 'calico: real BGP port on every node address, for gobgpd & co (0 = a free port each; default 179)', parsePort)
    .option('--json', 'log JSON lines on stderr instead of a progress display'))
    .addHelpText(
      'after',
      '\nEvery node has an address on this machine (127.0.1.1, 127.0.1.2, ... in file order); a Service\n' +
        'NodePort is reachable on each of them: curl http://127.0.1.2:30080/hostname\n' +
        'and kube-proxy\'s own health: curl http://127.0.1.2:10256/healthz\n' +
        'With spec.networking.loadBalancerPool, each LoadBalancer ingress IP gets one too (127.0.2.1, ...),\n' +
        'listed in the status file under loadBalancers.\n' +
        'Off Linux (or with --distinct-ports) all of them are 127.0.0.1 and every listener has a port of its\n' +
        'own instead: kemu up prints the first worker\'s, the status file all (nodePorts[].port → .nodePort).\n' +
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

  node
    .command('show')
    .description('show a node\'s kernel state as Linux tools print it (iproute2, iptables-save, subnet.env)')
    .argument('<name>', 'node name (or router/NAME, pod/NAME[.NS], gateway)')
    .argument('[what]', `one of: ${SHOW_VIEWS.join(', ')}`, 'routes')
    .option('--kubeconfig <path>', 'kubeconfig written by `kemu up`', DEFAULT_KUBECONFIG)
    .addHelpText('after', '\nViews:\n' +
      '  routes    ip route                links   ip -d link     addr      ip addr\n' +
      '  neigh     ip neigh                fdb     bridge fdb     iptables  iptables-save -t nat\n' +
      '  ipvs      ipvsadm -Ln (kube-proxy in ipvs mode)\n' +
      '  rules     ip rule (the gateway pins each LoadBalancer flow to its node here)\n' +
      '  cni       the CNI agent: subnet.env and status\n' +
      '\nExamples:\n  kemu node show demo-worker routes\n  kemu node show demo-worker fdb\n  kemu node show router/tor routes')
    .action(async (name: string, what: string, opts: { kubeconfig: string }) => {
      exitCode = await nodeShowCommand(name, what, opts);
    });

  program
    .command('bgp')
    .description('a calico node\'s BGP speaker: peers and states (calicoctl node status, birdc show protocols) and routes')
    .argument('<node>', 'node name, as in `kubectl get nodes`')
    .option('--kubeconfig <path>', 'kubeconfig written by `kemu up`', DEFAULT_KUBECONFIG)
    .option('--json', 'print peers and routes as JSON')
    .addHelpText('after', '\nExit code 1 when no speaker runs on the node.\n\nExamples:\n  kemu bgp demo-worker\n  kemu bgp demo-worker --json | jq .peers')
    .action(async (name: string, opts: { kubeconfig: string; json?: boolean }) => {
      exitCode = await bgpCommand(name, opts);
    });

  withRealAddressOptions(program
    .command('run')
    .description('bring a topology up, run its scenario (spec.scenario) with progress, print results, tear down; exit 1 if an assert failed')
    .argument('<file>', 'topology file with a scenario')
    .option('--mode <mode>', 'run in this CNI mode instead of the file\'s (flannel-udp, flannel-vxlan, flannel-host-gw, calico-bgp, calico-ipip, calico-vxlan, calico-cross-subnet)')
    .option('--proxy-mode <mode>', 'kube-proxy mode instead of the file\'s (iptables, ipvs, userspace)')
    .option('--speed <x>', 'run Kubernetes timers x times faster (overrides timing.speed)', parseSpeed)
    .option('--verbose', 'show the cluster\'s start-up phases too')
    .option('--json', 'print the results as JSON on stdout (progress as JSON lines on stderr)'))
    .addHelpText('after', '\nExamples:\n  kemu run topologies/compare-two-racks.yaml\n  kemu run topologies/compare-two-racks.yaml --mode flannel-host-gw --json')
    .action(async (file: string, opts) => {
      exitCode = await runCommand(file, opts);
    });

  withRealAddressOptions(program
    .command('compare')
    .description('run a topology\'s scenario once per CNI (and proxy) mode and compare what each costs and where each breaks')
    .argument('<file>', 'topology file with a scenario')
    .option('--modes <list>', 'comma-separated CNI modes (default: the seven flannel and calico modes)')
    .option('--proxy-modes <list>', 'comma-separated kube-proxy modes to cross with the CNI modes (iptables, ipvs, userspace)')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .option('--speed <x>', 'run Kubernetes timers x times faster (overrides timing.speed)', parseSpeed)
    .option('--json', 'print the report as JSON on stdout'))
    .addHelpText('after', '\nExample:\n  kemu compare topologies/compare-two-racks.yaml --html report.html\n' +
      '  kemu compare topologies/compare-two-racks.yaml --modes flannel-vxlan,flannel-host-gw --proxy-modes iptables,ipvs')
    .action(async (file: string, opts) => {
      exitCode = await compareCommand(file, opts);
    });

  // Packet plane: kemu ping / trace / capture (src/cli/{ping,trace,capture}.ts).
  for (const register of [registerPingCommand, registerTraceCommand, registerCaptureCommand, registerCurlCommand, registerPortForwardCommand]) register(program, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`kemu: ${(err as Error).message}\n`);
    return 1;
  }
  return exitCode;
}

/**
 * Where real clients reach the cluster: the same three options on up, run and compare. Without
 * --distinct-ports / --no-distinct-ports the platform decides (distinct ports everywhere but Linux).
 */
function withRealAddressOptions(cmd: Command): Command {
  return cmd
    .option('--node-address-base <ip>', 'nodes get real addresses after this one (NodePorts listen there)', parseLoopback, DEFAULT_NODE_ADDRESS_BASE)
    .option('--lb-address-base <ip>', 'LoadBalancer ingress IPs get real addresses after this one (the pool\'s N-th address is this + N)', parseLbLoopback, DEFAULT_LB_ADDRESS_BASE)
    .option('--distinct-ports', `every node on ${SHARED_REAL_ADDRESS}, each NodePort of each node on a free port of its own (the status file maps them; default where 127.0.1.N cannot be bound: not Linux)`)
    .option('--no-distinct-ports', 'a real address per node even off Linux (after `ifconfig lo0 alias 127.0.1.N` for each node, as root)');
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port: ${v}`);
  return n;
}

function parseLoopback(v: string): string {
  return checkLoopback(v, 'node address base', '127.0.1.0');
}

function parseLbLoopback(v: string): string {
  return checkLoopback(v, 'load balancer address base', '127.0.2.0');
}

function checkLoopback(v: string, what: string, example: string): string {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (m === null || m.slice(1).some((x) => Number(x) > 255)) throw new Error(`invalid ${what}: ${v} (an address in 127.0.0.0/8, e.g. ${example})`);
  return v;
}

function parseSpeed(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`invalid speed: ${v} (a positive number, e.g. 10)`);
  return n;
}
