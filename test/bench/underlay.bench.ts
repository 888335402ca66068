/**
 * Underlay hot path: frames per second through a DgramSegment (port.send → switching → dgram →
 * 'message' → receive checks → handler) against raw node:dgram sockets doing only send/receive, in
 * the same run. Frames go in bursts of 64 (each burst fully received before the next, so the kernel's
 * socket buffer never overflows). Also reports the InMemorySegment's rate for context.
 */
import { createSocket, type Socket } from 'node:dgram';
import { FakeClock } from '../../src/util/clock.js';
import { DgramSegment, InMemorySegment, type UnderlayPort } from '../../src/dataplane/underlay/index.js';
import { ETHERTYPE_IPV4, encodeEthernet, mac } from '../../src/net/index.js';
import { type BenchResult, median, ms } from './harness.js';

const FRAMES = 100_000;
const BURST = 64;
const SIZE = 1514;
const A = mac('02:00:00:00:00:0a');
const B = mac('02:00:00:00:00:0b');
const FRAME = encodeEthernet({ dst: B, src: A, etherType: ETHERTYPE_IPV4 }, new Uint8Array(SIZE - 14));

/** Sends FRAMES in bursts via `send`; `arrived()` counts receptions. Returns frames per second. */
async function pump(send: () => void, onArrive: (cb: () => void) => void): Promise<number> {
  let received = 0;
  let wake: (() => void) | null = null;
  let target = 0;
  onArrive(() => {
    received++;
    if (received >= target && wake) wake();
  });
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < FRAMES; sent += BURST) {
    target = sent + BURST;
    for (let i = 0; i < BURST; i++) send();
    if (received < target) {
      await new Promise<void>((resolve) => {
        const guard = setTimeout(() => {
          received = target; // a lost datagram must not hang the benchmark
          resolve();
        }, 200);
        wake = () => {
          clearTimeout(guard);
          resolve();
        };
      });
      wake = null;
    }
  }
  return FRAMES / (ms(start) / 1000);
}

async function raw(): Promise<number> {
  const bind = (): Promise<Socket> =>
    new Promise((resolve) => {
      const s = createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    });
  const tx = await bind();
  const rx = await bind();
  const port = rx.address().port;
  const rate = await pump(() => tx.send(FRAME, port, '127.0.0.1'), (cb) => rx.on('message', cb));
  await Promise.all([tx, rx].map((s) => new Promise((r) => s.close(() => r(undefined)))));
  return rate;
}

async function kemu(): Promise<number> {
  const seg = new DgramSegment('bench');
  const a = await seg.attach(A);
  const b = await seg.attach(B);
  const rate = await pump(() => a.send(FRAME), (cb) => b.onReceive(cb));
  await seg.close();
  return rate;
}

async function memory(): Promise<number> {
  const clock = new FakeClock();
  const seg = new InMemorySegment('bench', { clock });
  const a: UnderlayPort = await seg.attach(A);
  const b = await seg.attach(B);
  let n = 0;
  b.onReceive(() => n++);
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < FRAMES; sent += BURST) {
    for (let i = 0; i < BURST; i++) a.send(FRAME);
    clock.advance(0);
  }
  const rate = n / (ms(start) / 1000);
  await seg.close();
  return rate;
}

export async function run(): Promise<BenchResult> {
  await raw(); // warm up both paths
  await kemu();
  const rawRate = await median(5, raw);
  const kemuRate = await median(5, kemu);
  const memRate = await median(3, memory);
  const ratio = kemuRate / rawRate;
  return {
    name: `underlay: ${FRAMES} frames of ${SIZE} bytes over loopback UDP, bursts of ${BURST}`,
    ratioLabel: 'kemu/raw dgram frames per second',
    ratio,
    goal: '>= 0.8',
    pass: ratio >= 0.8,
    details: { kemu_fps: Math.round(kemuRate), raw_fps: Math.round(rawRate), memory_fps: Math.round(memRate) },
  };
}
