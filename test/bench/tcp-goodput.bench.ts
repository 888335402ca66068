/**
 * TCP goodput pod → pod across two hosts through flannel-style VXLAN (VNI 1, port 8472, pod MTU
 * 1450 so MSS 1410) over the dgram underlay, built by LabNetwork with the hosts' Netfilter in place:
 * one TcpSocket writes 64 KiB chunks honouring backpressure, the receiver counts bytes. Baseline in
 * the same run: raw node:dgram throughput of 1400-byte datagrams between two sockets in this process
 * (vxlan-pps.bench's raw path: a window of 64 in flight), in bytes per second.
 * Goal: TCP goodput ≥ 0.5 × raw dgram bytes/s.
 */
import { TcpLayer, type TcpSocket } from '../../src/dataplane/tcp/index.js';
import type { LabNetwork } from '../../src/lab/network/index.js';
import { twoHostVxlan } from './two-host-vxlan.js';
import { type BenchResult, ms } from './harness.js';
import { rawPath } from './vxlan-pps.bench.js';

const TCP_BYTES = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;
const RAW_PACKETS = 40_000;
const RAW_WINDOW = 64;
const RAW_PAYLOAD = 1400;

interface TcpRun {
  bps: number;
  retransmits: number;
  /** Segments the sender sent, and the receiver's (ACKs). */
  segments: number;
  acks: number;
}

/** Raw dgram bytes/s: RAW_PACKETS datagrams of 1400 bytes, RAW_WINDOW in flight (a stall refills the window). */
export async function rawBytesPerSecond(): Promise<number> {
  const path = await rawPath();
  try {
    return await new Promise((resolve) => {
      let sent = 0;
      let received = 0;
      let last = Date.now();
      const start = process.hrtime.bigint();
      const fill = (): void => {
        while (sent < RAW_PACKETS && sent - received < RAW_WINDOW) {
          sent++;
          path.send();
        }
      };
      const finish = (): void => {
        clearInterval(guard);
        resolve((RAW_PACKETS * RAW_PAYLOAD) / (ms(start) / 1000));
      };
      const guard = setInterval(() => {
        if (Date.now() - last < 200) return;
        received = sent; // datagrams lost in the kernel: count them and go on
        last = Date.now();
        if (sent >= RAW_PACKETS) finish();
        else fill();
      }, 50);
      path.onSink(() => {
        received++;
        last = Date.now();
        if (received >= RAW_PACKETS) return finish();
        fill();
      });
      fill();
    });
  } finally {
    await path.close();
  }
}

async function tcpNetwork(): Promise<{ net: LabNetwork; client: TcpLayer; server: TcpLayer }> {
  const { net, a, b } = await twoHostVxlan('default/a', 'default/b');
  return { net, client: TcpLayer.of(a.ns), server: TcpLayer.of(b.ns) };
}

/** TCP goodput in bytes/s (first byte written → last byte received), plus the segment counts of both ends. */
export async function tcpBytesPerSecond(): Promise<TcpRun> {
  const { net, client, server } = await tcpNetwork();
  try {
    const listener = server.listen(5001);
    const done = new Promise<number>((resolve, reject) => {
      listener.once('connection', (s: TcpSocket) => {
        let got = 0;
        s.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= TCP_BYTES) resolve(got);
        });
        s.on('error', reject);
      });
    });
    const socket = client.connect({ host: '10.244.1.2', port: 5001 });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const chunk = Buffer.alloc(CHUNK, 0x5a);
    const start = process.hrtime.bigint();
    let written = 0;
    const pump = (): void => {
      while (written < TCP_BYTES) {
        written += CHUNK;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
    const bytes = await done;
    const seconds = ms(start) / 1000;
    const stats = client.stats();
    socket.destroy();
    return { bps: bytes / seconds, retransmits: stats.retransmits, segments: stats.segmentsOut, acks: server.stats().segmentsOut };
  } finally {
    client.close();
    server.close();
    await net.stop();
  }
}

export async function run(): Promise<BenchResult> {
  await rawBytesPerSecond(); // warm up both paths
  await tcpBytesPerSecond();
  const raws: number[] = [];
  const tcps: TcpRun[] = [];
  for (let i = 0; i < 3; i++) { // interleaved, so both see the same machine load
    raws.push(await rawBytesPerSecond());
    tcps.push(await tcpBytesPerSecond());
  }
  const mid = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((p, q) => key(p) - key(q))[Math.floor(xs.length / 2)]!;
  const raw = mid(raws, (x) => x);
  const tcp = mid(tcps, (x) => x.bps);
  const ratio = tcp.bps / raw;
  return {
    name: `tcp goodput pod→pod: ${TCP_BYTES / 1048576} MiB over VXLAN (MSS 1410), two hosts over the dgram underlay`,
    ratioLabel: 'kemu TCP goodput / raw dgram bytes per second (1400 B datagrams)',
    ratio,
    goal: '>= 0.5',
    pass: ratio >= 0.5,
    details: {
      tcp_MBps: tcp.bps / 1e6, raw_MBps: raw / 1e6, tcp_retransmits: tcp.retransmits, tcp_data_segments: tcp.segments, tcp_acks: tcp.acks,
    },
  };
}
