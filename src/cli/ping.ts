/**
 * `kemu ping SRC DST`: ICMP echo from any namespace of the running emulation, printed as iputils
 * ping prints it. The requests run in the emulation (the stack's ping); the lines print when all
 * are done, since the extension API answers once. Exit status as ping: 0 with a reply, 1 without.
 */
import type { Command } from 'commander';
import type { PingResult } from '../dataplane/stack/ping.js';
import { type NetCommandOptions, TARGET_HELP, parseCount, parseIntInRange, parseSeconds, postNetwork, reportError, withNetOptions } from './net-target.js';

export interface PingResponse {
  src: { target: string; namespace: string; ip: string };
  dst: { target: string; ip: string };
  size: number;
  count: number;
  intervalMs: number;
  elapsedMs: number;
  result: PingResult;
}

interface PingCliOptions extends NetCommandOptions {
  count: number;
  size: number;
  ttl?: number;
  df?: boolean;
  interval: number;
  timeout: number;
}

export function registerPingCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('ping')
    .description('send ICMP echo requests from one namespace of the emulation to another (iputils-style output)')
    .argument('<src>', 'where the pings start (node/NAME, pod/NAME[.NS], router/NAME or an address)')
    .argument('<dst>', 'what to ping (a target or any IPv4 address)')
    .option('-c, --count <n>', 'number of requests', parseCount, 4)
    .option('-s, --size <bytes>', 'ICMP data bytes', parseIntInRange('size', 0, 65499), 56)
    .option('-t, --ttl <ttl>', 'IP time to live', parseIntInRange('ttl', 1, 255))
    .option('-i, --interval <s>', 'seconds between requests', parseSeconds, 1)
    .option('-W, --timeout <s>', 'seconds to wait for each reply', parseSeconds, 1)
    .option('--df', "set Don't Fragment (ping -M do)");
  withNetOptions(cmd)
    .addHelpText('after', TARGET_HELP + '\nExamples:\n  kemu ping node/worker-1 node/worker-2 -c 3\n  kemu ping node/worker-1 172.18.1.2 -s 1472 --df -c 1')
    .action(async (src: string, dst: string, opts: PingCliOptions) => setExit(await pingCommand(src, dst, opts)));
}

export async function pingCommand(src: string, dst: string, opts: PingCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let res: PingResponse;
  try {
    res = await postNetwork<PingResponse>(opts.kubeconfig, '/ping', {
      src, dst, count: opts.count, size: opts.size, ttl: opts.ttl, df: opts.df === true,
      intervalMs: opts.interval * 1000, timeoutMs: Math.max(1, opts.timeout * 1000),
    });
  } catch (err) {
    return reportError(err);
  }
  out.write(opts.json ? JSON.stringify(res) + '\n' : formatPing(res));
  return res.result.received > 0 ? 0 : 1;
}

/** iputils' layout, line for line. */
export function formatPing(res: PingResponse): string {
  const r = res.result;
  const lines = [`PING ${res.dst.target} (${res.dst.ip}) from ${res.src.ip} ${res.src.target}: ${res.size}(${res.size + 28}) bytes of data.`];
  const events = [
    ...r.replies.map((x) => ({ seq: x.seq, text: `${x.bytes} bytes from ${x.from}: icmp_seq=${x.seq} ttl=${x.ttl} time=${formatRtt(x.rttMs)} ms` })),
    ...r.errors.map((e) => ({ seq: e.seq, text: `From ${e.from} icmp_seq=${e.seq} ${e.message}` })),
  ].sort((a, b) => a.seq - b.seq);
  for (const e of events) lines.push(e.text);
  const loss = r.transmitted === 0 ? 0 : ((r.transmitted - r.received) * 100) / r.transmitted;
  const errors = r.errors.length > 0 ? `, +${r.errors.length} errors` : '';
  lines.push('', `--- ${res.dst.target} ping statistics ---`);
  lines.push(`${r.transmitted} packets transmitted, ${r.received} received${errors}, ${Number(loss.toPrecision(6))}% packet loss, time ${Math.round(res.elapsedMs)}ms`);
  if (r.rtts.length > 0) {
    const min = Math.min(...r.rtts);
    const max = Math.max(...r.rtts);
    const avg = r.rtts.reduce((a, b) => a + b, 0) / r.rtts.length;
    const mdev = Math.sqrt(Math.max(0, r.rtts.reduce((a, b) => a + b * b, 0) / r.rtts.length - avg * avg));
    lines.push(`rtt min/avg/max/mdev = ${[min, avg, max, mdev].map((v) => v.toFixed(3)).join('/')} ms`);
  }
  return lines.join('\n') + '\n';
}

/** As iputils: three decimals under 1 ms, two under 10, one under 100, none above. */
export function formatRtt(ms: number): string {
  if (ms >= 100) return Math.floor(ms).toString();
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}
