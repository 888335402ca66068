/**
 * kemu iperf's server (-s): a TCP sink and a UDP sink on the same port (default 5201). A TCP
 * connection's bytes are counted until the sender's FIN, then the count goes back as
 * "bytes=N\n". UDP datagrams are counted per sender with loss, reordering and RFC 3550 jitter; the
 * sender's end-of-test datagram is answered with a report (again for a retried end).
 */
import { Process } from '../process.js';
import type { StreamSocket, UdpEndpoint, WorkloadContext } from '../types.js';
import { type UdpReport, decodeUdp, encodeReport, tcpReportLine } from './iperf-wire.js';
import { formatBitrate, formatBytes, intervalLabel } from './units.js';

const MAX_UDP_SESSIONS = 1024;
/** How long a finished UDP session's report is kept for senders whose first report got lost. */
const FINISHED_KEEP_MS = 10_000;

interface UdpSession {
  startMs: number;
  received: number;
  bytes: number;
  nextSeq: number;
  outOfOrder: number;
  jitterMs: number;
  lastTransit: number | undefined;
  report?: UdpReport;
}

export interface TcpSinkResult {
  peer: string;
  bytes: number;
  seconds: number;
}

export class IperfServer extends Process {
  /** Completed TCP tests, newest last (tests and status views). */
  readonly tcpResults: TcpSinkResult[] = [];
  /** Completed UDP tests. */
  readonly udpResults: (UdpReport & { peer: string })[] = [];
  private readonly sessions = new Map<string, UdpSession>();
  private nextId = 5;
  private udp!: UdpEndpoint;

  constructor(ctx: WorkloadContext, private readonly port: number) {
    super(ctx);
  }

  protected main(): void {
    try {
      this.listenTcp(this.port, (s) => this.sinkTcp(s));
      this.udp = this.bindUdp(this.port, (data, from) => this.sinkUdp(data, from));
    } catch {
      throw new Error(`iperf3: error - unable to start listener for connections: Address already in use`);
    }
    this.ctx.log('-----------------------------------------------------------');
    this.ctx.log(`Server listening on ${this.port}`);
    this.ctx.log('-----------------------------------------------------------');
  }

  protected override onSigterm(): void {
    this.ctx.log('iperf3: interrupt - the server has terminated');
    this.exit(1);
  }

  private sinkTcp(socket: StreamSocket): void {
    const id = this.nextId++;
    const start = this.ctx.clock.now();
    let bytes = 0;
    this.ctx.log(`Accepted connection from ${socket.remoteAddress}, port ${socket.remotePort}`);
    this.ctx.log(`[${String(id).padStart(3)}] local ${socket.localAddress ?? this.ctx.podIP} port ${this.port} connected to ${socket.remoteAddress} port ${socket.remotePort}`);
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => {});
    socket.on('end', () => {
      const seconds = (this.ctx.clock.now() - start) / 1000;
      this.tcpResults.push({ peer: `${socket.remoteAddress}:${socket.remotePort}`, bytes, seconds });
      this.ctx.log(`${intervalLabel(id, 0, seconds)}  ${formatBytes(bytes)}  ${formatBitrate(seconds > 0 ? (bytes * 8) / seconds : 0)}                  receiver`);
      socket.end(tcpReportLine(bytes));
    });
  }

  private sinkUdp(data: Uint8Array, from: { address: string; port: number }): void {
    const msg = decodeUdp(data);
    if (!msg || msg.type === 'report') return void this.dropped++;
    const key = `${from.address}:${from.port}`;
    const now = this.ctx.clock.now();
    let s = this.sessions.get(key);
    if (msg.type === 'data') {
      if (!s || s.report) {
        if (this.sessions.size >= MAX_UDP_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
        s = { startMs: now, received: 0, bytes: 0, nextSeq: 0, outOfOrder: 0, jitterMs: 0, lastTransit: undefined };
        this.sessions.set(key, s);
        this.ctx.log(`Accepted UDP test from ${from.address}, port ${from.port}`);
      }
      s.received++;
      s.bytes += msg.length;
      if (msg.seq < s.nextSeq) s.outOfOrder++;
      else s.nextSeq = msg.seq + 1;
      const transit = now - msg.sentAtMs;
      if (s.lastTransit !== undefined) s.jitterMs += (Math.abs(transit - s.lastTransit) - s.jitterMs) / 16;
      s.lastTransit = transit;
      return;
    }
    // End of test: answer (or answer again) with the report.
    if (!s) s = { startMs: now, received: 0, bytes: 0, nextSeq: 0, outOfOrder: 0, jitterMs: 0, lastTransit: undefined };
    if (!s.report) {
      s.report = { received: s.received, lost: Math.max(0, msg.count - s.received), outOfOrder: s.outOfOrder, bytes: s.bytes, jitterMs: s.jitterMs };
      this.sessions.set(key, s);
      this.udpResults.push({ ...s.report, peer: key });
      const seconds = (now - s.startMs) / 1000;
      const pct = msg.count > 0 ? (100 * s.report.lost) / msg.count : 0;
      this.ctx.log(`${intervalLabel(this.nextId++, 0, seconds)}  ${formatBytes(s.bytes)}  ${formatBitrate(seconds > 0 ? (s.bytes * 8) / seconds : 0)}  ${s.jitterMs.toFixed(3)} ms  ${s.report.lost}/${msg.count} (${pct.toFixed(2)}%)  receiver`);
      this.after(FINISHED_KEEP_MS, () => {
        if (this.sessions.get(key) === s) this.sessions.delete(key);
      });
    }
    this.udp.send(encodeReport(s.report), from.port, from.address);
  }
}
