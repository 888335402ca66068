/**
 * kemu iperf's client (-c HOST): sends -n bytes or for -t seconds to the server and reports the
 * goodput the server saw. TCP: write as fast as the connection takes it (backpressure decides), FIN,
 * then the server's byte count; the rate is that count over the time from connect to the count's
 * arrival. UDP: datagrams of -l bytes paced at -b bits/s, then an end-of-test datagram (retried)
 * answered with the server's loss/jitter report.
 */
import { Process } from '../process.js';
import type { StreamSocket, UdpEndpoint, WorkloadContext } from '../types.js';
import { decodeUdp, encodeData, encodeEnd, parseTcpReport, type UdpReport } from './iperf-wire.js';
import { formatBitrate, formatBytes, intervalLabel } from './units.js';

export interface IperfClientOptions {
  host: string;
  port: number;
  udp: boolean;
  /** Seconds to send for, when `bytes` is not given. */
  timeS: number;
  bytes: number | undefined;
  /** Write size (TCP) or datagram size (UDP). */
  length: number;
  /** UDP pacing, bits per second. */
  bitrate: number;
  /** Seconds between interval lines; 0 for none. */
  intervalS: number;
  connectTimeoutMs: number;
}

export interface IperfClientResult {
  protocol: 'tcp' | 'udp';
  sentBytes: number;
  /** What the server counted. */
  receivedBytes: number;
  seconds: number;
  /** receivedBytes × 8 / seconds. */
  bitsPerSecond: number;
  udp?: UdpReport & { sent: number };
}

const UDP_TICK_MS = 10;
const END_RETRY_MS = 250;
const END_TRIES = 10;
/** Yield to the event loop after this many writes in a row, so timers and readers get a turn. */
const WRITES_PER_TURN = 64;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class IperfClient extends Process {
  result: IperfClientResult | undefined;
  private readonly id = 5;

  constructor(ctx: WorkloadContext, private readonly o: IperfClientOptions) {
    super(ctx);
  }

  protected async main(): Promise<void> {
    let ip: string;
    try {
      ip = await this.ctx.resolve(this.o.host);
    } catch {
      return this.fail('unable to resolve host: Name or service not known');
    }
    this.ctx.log(`Connecting to host ${this.o.host}, port ${this.o.port}`);
    if (this.o.udp) await this.runUdp(ip);
    else await this.runTcp(ip);
    if (!this.alive || !this.result) return;
    this.ctx.log('');
    this.ctx.log('iperf Done.');
    this.exit(0);
  }

  protected override onSigterm(): void {
    this.ctx.log('iperf3: interrupt - the client has terminated');
    this.exit(1);
  }

  private fail(message: string): void {
    this.ctx.log(`iperf3: error - ${message}`);
    this.exit(1);
  }

  private async runTcp(ip: string): Promise<void> {
    const socket = this.connectTcp(ip, this.o.port, { timeoutMs: this.o.connectTimeoutMs });
    const connected = await new Promise<string | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
    });
    if (connected !== undefined) return this.fail(`unable to connect to server: ${describe(connected)}`);
    this.ctx.log(`[${String(this.id).padStart(3)}] local ${socket.localAddress ?? this.ctx.podIP} port ${socket.localPort} connected to ${ip} port ${this.o.port}`);
    const start = this.ctx.clock.now();
    let report = '';
    const reported = new Promise<string | undefined>((resolve) => {
      socket.on('data', (d: Buffer) => (report += d.toString('latin1')));
      socket.once('end', () => resolve(undefined));
      socket.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
    });
    const sent = await this.sendTcp(socket, start);
    if (!this.alive) return;
    const err = await reported;
    if (!this.alive) return;
    const received = parseTcpReport(report);
    if (err !== undefined || received === undefined) return this.fail(`control socket has closed unexpectedly${err ? ` (${describe(err)})` : ''}`);
    const seconds = (this.ctx.clock.now() - start) / 1000;
    const bps = seconds > 0 ? (received * 8) / seconds : 0;
    this.result = { protocol: 'tcp', sentBytes: sent, receivedBytes: received, seconds, bitsPerSecond: bps };
    this.ctx.log('- - - - - - - - - - - - - - - - - - - - - - - - -');
    this.ctx.log(`${intervalLabel(this.id, 0, seconds)}  ${formatBytes(sent)}  ${formatBitrate(seconds > 0 ? (sent * 8) / seconds : 0)}                  sender`);
    this.ctx.log(`${intervalLabel(this.id, 0, seconds)}  ${formatBytes(received)}  ${formatBitrate(bps)}                  receiver`);
  }

  /** Writes until -n bytes or -t seconds; resolves with the bytes written once FIN is queued. */
  private async sendTcp(socket: StreamSocket, start: number): Promise<number> {
    const chunk = Buffer.alloc(this.o.length, 0x6b);
    const clock = this.ctx.clock;
    let sent = 0;
    let reported = 0;
    let lastReportAt = start;
    const interval = this.o.intervalS > 0 ? this.every(this.o.intervalS * 1000, () => {
      const now = clock.now();
      const bytes = sent - reported;
      this.ctx.log(`${intervalLabel(this.id, (lastReportAt - start) / 1000, (now - start) / 1000)}  ${formatBytes(bytes)}  ${formatBitrate((bytes * 8 * 1000) / Math.max(1, now - lastReportAt))}`);
      reported = sent;
      lastReportAt = now;
    }) : undefined;
    const done = (): boolean => (this.o.bytes !== undefined ? sent >= this.o.bytes : clock.now() - start >= this.o.timeS * 1000);
    let writes = 0;
    while (this.alive && !done() && !socket.destroyed) {
      const n = this.o.bytes !== undefined ? Math.min(chunk.length, this.o.bytes - sent) : chunk.length;
      sent += n;
      const more = socket.write(n === chunk.length ? chunk : chunk.subarray(0, n));
      if (!more) await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
      else if (++writes % WRITES_PER_TURN === 0) await turn();
    }
    interval?.cancel();
    if (this.alive && !socket.destroyed) socket.end();
    return sent;
  }

  private async runUdp(ip: string): Promise<void> {
    const clock = this.ctx.clock;
    let report: UdpReport | undefined;
    let refused = false;
    let reportArrived: () => void = () => {};
    const endpoint: UdpEndpoint = this.bindUdp(0, (data, from) => {
      if (from.address !== ip || from.port !== this.o.port) return;
      const msg = decodeUdp(data);
      if (msg?.type !== 'report') return void this.dropped++;
      report = msg;
      reportArrived();
    }, (e) => {
      if (e.code === 'ECONNREFUSED') refused = true;
    }, false);
    this.ctx.log(`[${String(this.id).padStart(3)}] local ${this.ctx.podIP} port ${endpoint.port} connected to ${ip} port ${this.o.port}`);
    const start = clock.now();
    const length = Math.max(16, this.o.length);
    let count = 0;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = this.every(UDP_TICK_MS, () => pace());
      const pace = (): void => {
        const elapsed = clock.now() - start;
        const due = Math.floor((elapsed / 1000) * (this.o.bitrate / 8) / length) + 1;
        while (count < due) {
          if (this.o.bytes !== undefined ? sent >= this.o.bytes : elapsed >= this.o.timeS * 1000) {
            tick.cancel();
            return resolve();
          }
          endpoint.send(encodeData(count++, clock.now(), length), this.o.port, ip);
          sent += length;
        }
      };
      pace();
    });
    const finishedSending = clock.now();
    for (let i = 0; i < END_TRIES && !report && this.alive && !refused; i++) {
      endpoint.send(encodeEnd(count, sent), this.o.port, ip);
      await new Promise<void>((resolve) => {
        reportArrived = resolve;
        this.after(END_RETRY_MS, resolve);
      });
    }
    endpoint.close();
    if (!this.alive) return;
    if (!report) return this.fail(refused ? 'unable to connect to server: Connection refused' : 'no report from the server (end of test unanswered)');
    const r: UdpReport = report;
    const seconds = Math.max(0, finishedSending - start) / 1000;
    const bps = seconds > 0 ? (r.bytes * 8) / seconds : 0;
    this.result = { protocol: 'udp', sentBytes: sent, receivedBytes: r.bytes, seconds, bitsPerSecond: bps, udp: { ...r, sent: count } };
    const pct = count > 0 ? (100 * r.lost) / count : 0;
    this.ctx.log('- - - - - - - - - - - - - - - - - - - - - - - - -');
    this.ctx.log(`${intervalLabel(this.id, 0, seconds)}  ${formatBytes(sent)}  ${formatBitrate(seconds > 0 ? (sent * 8) / seconds : 0)}  0.000 ms  0/${count} (0%)  sender`);
    this.ctx.log(`${intervalLabel(this.id, 0, seconds)}  ${formatBytes(r.bytes)}  ${formatBitrate(bps)}  ${r.jitterMs.toFixed(3)} ms  ${r.lost}/${count} (${pct.toFixed(2)}%)  receiver`);
  }
}

function describe(code: string): string {
  switch (code) {
    case 'ECONNREFUSED': return 'Connection refused';
    case 'ETIMEDOUT': return 'Connection timed out';
    case 'EHOSTUNREACH': return 'No route to host';
    case 'ENETUNREACH': return 'Network is unreachable';
    case 'ECONNRESET': return 'Connection reset by peer';
    default: return code;
  }
}

