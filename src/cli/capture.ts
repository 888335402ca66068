/**
 * `kemu capture TARGET -w FILE`: a pcap of one interface of the running emulation (Ethernet frames,
 * or raw IPv4 for TUN/IPIP devices), for Wireshark or `tshark -r FILE`. The server sends the file as
 * base64 in its JSON answer; this command writes it (`-w -` writes it to stdout).
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CaptureResult } from '../lab/network/capture.js';
import { type NetCommandOptions, TARGET_HELP, parseCount, parseSeconds, postNetwork, reportError, withNetOptions } from './net-target.js';

interface CaptureCliOptions extends NetCommandOptions {
  write: string;
  duration?: number;
  count?: number;
}

type CaptureResponse = Omit<CaptureResult, 'pcap'> & { pcap: string };

export function registerCaptureCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('capture')
    .description('capture the frames of one interface of the emulation into a pcap file')
    .argument('<target>', 'node/NAME[:IFACE], pod/NAME[.NS][:IFACE], router/NAME:IFACE or an address')
    .requiredOption('-w, --write <file>', 'pcap file to write ("-" for stdout)')
    .option('--duration <s>', 'capture for this many seconds (default 5, or up to 60 with -c)', parseSeconds)
    .option('-c, --count <n>', 'stop after this many frames', parseCount);
  withNetOptions(cmd)
    .addHelpText('after', TARGET_HELP + '\nExamples:\n  kemu capture node/worker-1 -w w1.pcap --duration 3 & kemu ping node/worker-1 node/worker-2\n  tshark -r w1.pcap')
    .action(async (target: string, opts: CaptureCliOptions) => setExit(await captureCommand(target, opts)));
}

export async function captureCommand(target: string, opts: CaptureCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let res: CaptureResponse;
  try {
    res = await postNetwork<CaptureResponse>(opts.kubeconfig, '/capture', {
      target, count: opts.count, durationMs: opts.duration === undefined ? undefined : Math.max(1, Math.round(opts.duration * 1000)),
    });
    const pcap = Buffer.from(res.pcap, 'base64');
    if (opts.write === '-') out.write(pcap);
    else await writeFile(opts.write, pcap);
  } catch (err) {
    return reportError(err);
  }
  // With -w - stdout is the pcap: the summary goes to stderr, as tcpdump's does.
  const summary = opts.json
    ? JSON.stringify({ ...res, pcap: undefined, file: opts.write }) + '\n'
    : `${res.frames} frames captured on ${res.namespace} ${res.iface} (${res.linkType === 'ethernet' ? 'Ethernet' : 'raw IPv4'})` +
      `${res.truncated ? ', stopped at the size limit' : ''} → ${opts.write}\n`;
  (opts.write === '-' ? process.stderr : out).write(summary);
  return 0;
}
