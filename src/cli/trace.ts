/**
 * `kemu trace SRC DST`: one probe through the live emulation and every step the stacks took for it
 * (hooks, routes, ARP, encapsulation, the underlay hop, delivery, drops), numbered, as recorded —
 * nothing here is a template; the steps come from the running cluster's namespaces and devices.
 */
import type { Command } from 'commander';
import type { TraceResult } from '../lab/network/trace.js';
import { type NetCommandOptions, TARGET_HELP, parseIntInRange, parseSeconds, postNetwork, reportError, withNetOptions } from './net-target.js';

interface TraceCliOptions extends NetCommandOptions {
  proto: string;
  port?: number;
  ttl?: number;
  size?: number;
  timeout: number;
}

export function registerTraceCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('trace')
    .description('send one probe and print every step the emulated stacks take for it and its reply')
    .argument('<src>', 'where the probe starts (node/NAME, pod/NAME[.NS], router/NAME or an address)')
    .argument('<dst>', 'its destination (a target or any IPv4 address)')
    .option('--proto <proto>', 'icmp (echo request), udp or tcp (a SYN)', 'icmp')
    .option('--port <port>', 'destination port for udp (default 33434) and tcp (default 80)', parseIntInRange('port', 1, 65535))
    .option('-t, --ttl <ttl>', 'IP time to live of the probe', parseIntInRange('ttl', 1, 255))
    .option('-s, --size <bytes>', 'payload bytes (icmp default 56, udp 32)', parseIntInRange('size', 0, 65000))
    .option('-W, --timeout <s>', 'seconds to wait for a reply', parseSeconds, 2);
  withNetOptions(cmd)
    .addHelpText('after', TARGET_HELP + '\nExamples:\n  kemu trace node/worker-1 node/worker-2\n  kemu trace pod/web-0 10.96.0.10 --proto udp --port 53')
    .action(async (src: string, dst: string, opts: TraceCliOptions) => setExit(await traceCommand(src, dst, opts)));
}

export async function traceCommand(src: string, dst: string, opts: TraceCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (!['icmp', 'udp', 'tcp'].includes(opts.proto)) return reportError(new Error(`--proto must be icmp, udp or tcp, not ${opts.proto}`));
  let res: TraceResult;
  try {
    res = await postNetwork<TraceResult>(opts.kubeconfig, '/trace', {
      src, dst, proto: opts.proto, port: opts.port, ttl: opts.ttl, size: opts.size, timeoutMs: Math.max(1, Math.round(opts.timeout * 1000)),
    });
  } catch (err) {
    return reportError(err);
  }
  out.write(opts.json ? JSON.stringify(res) + '\n' : formatTrace(res));
  return res.outcome === 'reply' ? 0 : 1;
}

export function formatTrace(res: TraceResult): string {
  const port = res.port !== undefined ? ` port ${res.port}` : '';
  const head = `trace ${res.proto}${port} from ${res.src.target} (${res.src.ip} in ${res.src.namespace}) to ${res.dst.target} (${res.dst.ip})`;
  const t0 = res.steps[0]?.at ?? 0;
  const rows = res.steps.map((s, i) => [
    String(i + 1), `+${(s.at - t0).toFixed(3)}ms`, s.namespace, s.iface ?? '-', s.kind, s.detail, s.bytes !== undefined ? `${s.bytes} B` : '',
  ]);
  const header = ['#', 'time', 'namespace', 'iface', 'step', 'what happened', 'size'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padStart(widths[c]!) : c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const lines = [head, line(header), ...rows.map(line)];
  lines.push(`result: ${res.outcome}: ${res.summary} (${res.steps.length} steps, ${res.elapsedMs.toFixed(3)} ms)`);
  return lines.join('\n') + '\n';
}
