/**
 * The `kemu.dev/iperf` image: an iperf3-like measurement tool with iperf3's flags. `-s` runs the
 * TCP+UDP sink (the image's default), `-c HOST` the sender. kemu's own wire format (not iperf3's
 * control protocol): both ends must run this image.
 */
import { type FlagSpec, parsePflags } from '../flags.js';
import { type Plan, exits, run } from '../plan.js';
import { IperfClient } from './iperf-client.js';
import { IperfServer } from './iperf-server.js';
import { parseSize } from './units.js';

export const IPERF_DEFAULT_PORT = 5201;

export const IPERF_FLAGS: FlagSpec = {
  server: { type: 'bool', default: false, shorthand: 's' },
  client: { type: 'string', default: '', shorthand: 'c' },
  port: { type: 'int', default: IPERF_DEFAULT_PORT, shorthand: 'p' },
  udp: { type: 'bool', default: false, shorthand: 'u' },
  time: { type: 'float', default: 10, shorthand: 't' },
  bytes: { type: 'string', default: '', shorthand: 'n' },
  bitrate: { type: 'string', default: '', shorthand: 'b' },
  length: { type: 'string', default: '', shorthand: 'l' },
  interval: { type: 'float', default: 1, shorthand: 'i' },
  'connect-timeout': { type: 'int', default: 10_000 },
};

const TCP_DEFAULT_LENGTH = 128 * 1024;
const UDP_DEFAULT_LENGTH = 1460;
const UDP_DEFAULT_BITRATE = 1_000_000;
/** -b 0 means "unlimited"; pacing still needs a number. */
const UDP_UNLIMITED_BITRATE = 10_000_000_000;

export function planIperf(args: readonly string[]): Plan {
  const parsed = parsePflags(args, IPERF_FLAGS);
  const usage = (message: string): Plan => exits('iperf', 1, [`iperf3: parameter error - ${message}`, 'Usage: iperf [-s|-c host] [options]']);
  if (!parsed.ok) return usage(parsed.error);
  const f = parsed.values;
  const port = f.port as number;
  if (port < 1 || port > 65535) return usage(`invalid port ${port}`);
  if (f.server === true && f.client !== '') return usage('cannot be both server and client');
  if (f.server === true) return run('iperf -s', (ctx) => new IperfServer(ctx, port));
  if (f.client === '') return usage('must either be a client (-c) or server (-s)');
  const udp = f.udp === true;
  const bytes = f.bytes === '' ? undefined : parseSize(f.bytes as string);
  const length = f.length === '' ? (udp ? UDP_DEFAULT_LENGTH : TCP_DEFAULT_LENGTH) : parseSize(f.length as string);
  const bitrate = f.bitrate === '' ? UDP_DEFAULT_BITRATE : parseSize(f.bitrate as string, true);
  if (f.bytes !== '' && bytes === undefined) return usage(`invalid -n ${f.bytes}`);
  if (length === undefined || length < 1 || length > (udp ? 65507 : 1 << 20)) return usage(`invalid -l ${f.length}`);
  if (bitrate === undefined) return usage(`invalid -b ${f.bitrate}`);
  if ((f.time as number) < 0) return usage(`invalid -t ${f.time}`);
  return run(`iperf -c ${f.client}`, (ctx) => new IperfClient(ctx, {
    host: f.client as string,
    port,
    udp,
    timeS: f.time as number,
    bytes,
    length,
    bitrate: bitrate === 0 ? UDP_UNLIMITED_BITRATE : bitrate,
    intervalS: f.interval as number,
    connectTimeoutMs: f['connect-timeout'] as number,
  }));
}
