/**
 * Pod → pod UDP across two hosts through flannel-style VXLAN (flannel.1: VNI 1, port 8472, static
 * neighbour + FDB + `via X.0 onlink` routes) over the dgram underlay, built by LabNetwork with the
 * hosts' Netfilter in place: 1400-byte payloads, a window of 64 in flight (each arrival releases the
 * next send). Baseline in the same run: two raw node:dgram sockets in this process, same payload and
 * window. Also the median round-trip time of a 1400-byte echo (window 1), kemu ÷ raw.
 * Goals: throughput ratio ≥ 0.6, latency ratio ≤ 1.5.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { NetNamespace } from '../../src/dataplane/stack/index.js';
import { twoHostVxlan } from './two-host-vxlan.js';
import { type BenchResult, ms } from './harness.js';

const PACKETS = 40_000;
const WINDOW = 64;
const PAYLOAD = new Uint8Array(1400);
const ECHOES = 2000;

export interface Path {
  /** Sends one datagram toward the sink. */
  send(): void;
  /** Called on every datagram the sink receives. */
  onSink(cb: () => void): void;
  /** One round trip through the echo server. */
  echo(): Promise<void>;
  close(): Promise<void>;
}

/** Sends PACKETS keeping WINDOW in flight; packets/s. A stall (a datagram lost in the kernel) refills the window. */
function pump(path: Path): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let received = 0;
    let lastProgress = Date.now();
    const start = process.hrtime.bigint();
    const fill = (): void => {
      while (sent < PACKETS && sent - received < WINDOW) {
        sent++;
        path.send();
      }
    };
    const guard = setInterval(() => {
      if (Date.now() - lastProgress < 200) return;
      received = sent; // count the stragglers as lost and go on
      lastProgress = Date.now();
      if (sent >= PACKETS) finish();
      else fill();
    }, 50);
    const finish = (): void => {
      clearInterval(guard);
      resolve(PACKETS / (ms(start) / 1000));
    };
    path.onSink(() => {
      received++;
      lastProgress = Date.now();
      if (received >= PACKETS) return finish();
      fill();
    });
    fill();
  });
}

async function medianRtt(path: Path): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < ECHOES; i++) {
    const start = process.hrtime.bigint();
    await path.echo();
    samples.push(ms(start));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Exported (with kemuPath and measure) for profiling one side alone. */
export async function rawPath(): Promise<Path> {
  const bind = (): Promise<Socket> => new Promise((r) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => r(s));
  });
  const [tx, sink, echoServer] = await Promise.all([bind(), bind(), bind()]);
  const sinkPort = sink.address().port;
  const echoPort = echoServer.address().port;
  echoServer.on('message', (msg, rinfo) => echoServer.send(msg, rinfo.port, '127.0.0.1'));
  let onEcho: (() => void) | undefined;
  tx.on('message', () => onEcho?.());
  return {
    send: () => tx.send(PAYLOAD, sinkPort, '127.0.0.1'),
    onSink: (cb) => sink.on('message', cb),
    echo: () => new Promise<void>((r) => {
      onEcho = r;
      tx.send(PAYLOAD, echoPort, '127.0.0.1');
    }),
    close: async () => {
      await Promise.all([tx, sink, echoServer].map((s) => new Promise((r) => s.close(() => r(undefined)))));
    },
  };
}

/**
 * The emulated side: pod `a` sends to a sink (UDP 5001) and an echo server (UDP 5002) in pod `b` at
 * `bIp`; `close` tears the emulation down. Resolves after one echo, so ARP (on the underlay and in
 * the pods) is resolved before measuring.
 */
export async function podPath(a: NetNamespace, b: NetNamespace, bIp: string, close: () => Promise<void>): Promise<Path> {
  const tx = a.udp.bind(0);
  const sink = b.udp.bind(5001);
  const echoServer = b.udp.bind(5002).onMessage((payload, info) => echoServer.send(info.srcIp, info.srcPort, payload));
  let onEcho: (() => void) | undefined;
  tx.onMessage(() => onEcho?.());
  const path: Path = {
    send: () => void tx.send(bIp, 5001, PAYLOAD),
    onSink: (cb) => void sink.onMessage(cb),
    echo: () => new Promise<void>((r) => {
      onEcho = r;
      tx.send(bIp, 5002, PAYLOAD);
    }),
    close,
  };
  await path.echo();
  return path;
}

export async function kemuPath(): Promise<Path> {
  const { net, a, b } = await twoHostVxlan('default/a', 'default/b');
  return podPath(a.ns, b.ns, '10.244.1.2', () => net.stop());
}

export async function measure(make: () => Promise<Path>): Promise<{ pps: number; rttMs: number }> {
  const path = await make();
  try {
    return { pps: await pump(path), rttMs: await medianRtt(path) };
  } finally {
    await path.close();
  }
}

export async function run(): Promise<BenchResult> {
  await measure(rawPath); // warm up both paths
  await measure(kemuPath);
  const raws: Array<{ pps: number; rttMs: number }> = [];
  const kemus: Array<{ pps: number; rttMs: number }> = [];
  for (let i = 0; i < 3; i++) { // interleaved, so both see the same machine load
    raws.push(await measure(rawPath));
    kemus.push(await measure(kemuPath));
  }
  const mid = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
  const rawPps = mid(raws.map((r) => r.pps));
  const kemuPps = mid(kemus.map((r) => r.pps));
  const rawRtt = mid(raws.map((r) => r.rttMs));
  const kemuRtt = mid(kemus.map((r) => r.rttMs));
  const ratio = kemuPps / rawPps;
  const latency = kemuRtt / rawRtt;
  return {
    name: `vxlan pod→pod UDP: ${PACKETS} × 1400 B, window ${WINDOW}, two hosts over the dgram underlay`,
    ratioLabel: 'kemu/raw dgram packets per second',
    ratio,
    goal: '>= 0.6 (latency ratio <= 1.5)',
    pass: ratio >= 0.6 && latency <= 1.5,
    details: { kemu_pps: Math.round(kemuPps), raw_pps: Math.round(rawPps), kemu_rtt_us: kemuRtt * 1000, raw_rtt_us: rawRtt * 1000, latency_ratio: latency },
  };
}
