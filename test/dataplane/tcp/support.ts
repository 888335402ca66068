/**
 * Test support for TCP: a harness that wires pure TcpConnections together segment by segment (no
 * namespaces), a discrete-event clock for long transfers in virtual time, and lab builders (two
 * nodes with flannel-style VXLAN, a pod on each).
 */
import { createHash } from 'node:crypto';
import { TcpConnection, type ConnectionOptions, type InSegment, type OutSegment, type TcpSocket } from '../../../src/dataplane/tcp/index.js';
import { LabNetwork } from '../../../src/lab/network/index.js';
import { loadTopologyText } from '../../../src/topology/load.js';
import type { Clock, TimerHandle } from '../../../src/util/clock.js';
import type { RandomSource } from '../../../src/dataplane/underlay/index.js';
import { programFlannelVxlan } from '../lab/support.js';

// ---- pure-core harness -------------------------------------------------------------------------

/** A segment as sent, with its payload copied out of the sender's buffer. */
export interface Sent extends OutSegment {
  payload: Uint8Array;
}

export interface Peer {
  name: string;
  conn: TcpConnection;
  /** Segments sent and not yet delivered or dropped. */
  out: Sent[];
  /** Every segment ever sent. */
  log: Sent[];
  events: string[];
  /** In-order bytes the "application" took (when autoRead). */
  data: number[];
  /** Take data as it becomes readable (false: the application does not read). */
  autoRead: boolean;
  closedWith: string | undefined | null;
}

export function peer(name: string, opts: Partial<Omit<ConnectionOptions, 'events'>> = {}): Peer {
  const p = { name, out: [], log: [], events: [], data: [], autoRead: true, closedWith: null } as unknown as Peer;
  const events: ConnectionOptions['events'] = {
    transmit: (seg) => {
      const sent: Sent = { ...seg, payload: seg.length > 0 ? p.conn.send.read(seg.offset, seg.length) : new Uint8Array(0) };
      p.out.push(sent);
      p.log.push(sent);
    },
    established: () => p.events.push('established'),
    readable: () => {
      p.events.push('readable');
      if (p.autoRead) drain(p);
    },
    remoteClosed: () => p.events.push('remote-fin'),
    writable: () => p.events.push('writable'),
    closed: (err) => {
      p.events.push(`closed${err ? ` ${err}` : ''}`);
      p.closedWith = err;
    },
  };
  p.conn = new TcpConnection({ mss: 1000, iss: name === 'a' ? 1000 : 5000, events, ...opts });
  return p;
}

/** The application reads everything waiting. */
export function drain(p: Peer, now = 0): void {
  for (let chunk = p.conn.take(); chunk !== undefined; chunk = p.conn.take()) p.data.push(...chunk);
  p.conn.windowUpdate(now);
}

export function toIn(s: Sent): InSegment {
  return { seq: s.seq, ack: s.ack, flags: s.flags, window: s.window, mss: s.mss, windowScale: s.windowScale, payload: s.payload };
}

/**
 * Delivers `from`'s queued segments to `to` in batches (optionally filtered: return false to drop
 * one), firing after each batch the timers due at `now` (a 0 ms timer runs once the segments that
 * arrived together are processed), until neither side has anything queued; returns how many were
 * delivered.
 */
export function exchange(a: Peer, b: Peer, now: number, keep: (s: Sent, from: Peer) => boolean = () => true, limit = 100_000): number {
  let n = 0;
  const fireDue = (): void => {
    for (const p of [a, b]) if (p.conn.nextDeadline() <= now) p.conn.onTimer(now);
  };
  fireDue();
  while ((a.out.length > 0 || b.out.length > 0) && n < limit) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const batch = from.out.splice(0);
      for (const s of batch) {
        if (!keep(s, from)) continue;
        to.conn.input(toIn(s), now);
        n++;
      }
    }
    fireDue();
  }
  return n;
}

/** Connects a (active) to b (passive) and returns both established. */
export function handshake(aOpts: Partial<Omit<ConnectionOptions, 'events'>> = {}, bOpts: Partial<Omit<ConnectionOptions, 'events'>> = {}, now = 0): { a: Peer; b: Peer } {
  const a = peer('a', aOpts);
  const b = peer('b', bOpts);
  a.conn.connect(now);
  const syn = a.out.shift()!;
  b.conn.acceptSyn(toIn(syn), now);
  exchange(a, b, now);
  return { a, b };
}

export function flagNames(flags: number): string {
  const names = [[0x02, 'SYN'], [0x10, 'ACK'], [0x01, 'FIN'], [0x04, 'RST'], [0x08, 'PSH']] as const;
  return names.filter(([bit]) => flags & bit).map(([, n]) => n).join('|');
}

/** Deterministic test bytes. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// ---- a discrete-event clock --------------------------------------------------------------------

interface SimTimer {
  at: number;
  id: number;
  fn: () => void;
  every: number;
  cancelled: boolean;
}

/**
 * A Clock for simulations: timers in a binary heap, time jumps to the next one. `run` interleaves
 * Node's own queues (stream callbacks use nextTick/setImmediate) with virtual time, so a transfer that
 * would wait seconds for retransmission timeouts runs as fast as the CPU allows, and deterministically.
 */
export class SimClock implements Clock {
  private t: number;
  private heap: SimTimer[] = [];
  private nextId = 1;
  /** Timers fired so far. */
  fired = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }

  /** Fires every timer due at the earliest pending time. False when no timer is pending. */
  step(): boolean {
    this.dropCancelled();
    const first = this.heap[0];
    if (first === undefined) return false;
    const at = first.at;
    this.t = Math.max(this.t, at);
    while (this.heap.length > 0 && this.heap[0]!.at <= at) {
      const timer = this.pop();
      if (timer.cancelled) continue;
      if (timer.every > 0) {
        timer.at += timer.every;
        this.push(timer);
      } else {
        timer.cancelled = true;
      }
      this.fired++;
      timer.fn();
    }
    return true;
  }

  /** Runs virtual time until `done()`, at most `maxVirtualMs` ahead. Throws when it gives up. */
  async run(done: () => boolean, maxVirtualMs = 600_000): Promise<void> {
    const limit = this.t + maxVirtualMs;
    let idle = 0;
    while (!done()) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done()) return;
      if (this.t > limit) throw new Error(`simulation passed ${maxVirtualMs} ms of virtual time`);
      if (!this.step()) {
        if (++idle > 100) throw new Error('simulation is idle: nothing left to happen');
      } else {
        idle = 0;
      }
    }
  }

  /** Advances virtual time by `ms`, firing timers on the way (and letting Node's queues run). */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      this.dropCancelled();
      const first = this.heap[0];
      if (first === undefined || first.at > target) break;
      this.step();
    }
    this.t = target;
  }

  pending(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  private add(fn: () => void, ms: number, every: number): TimerHandle {
    const timer: SimTimer = { at: this.t + ms, id: this.nextId++, fn, every, cancelled: false };
    this.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: SimTimer, b: SimTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id);
  }

  private push(timer: SimTimer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): SimTimer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

// ---- lab builders ------------------------------------------------------------------------------

export interface TwoPods {
  net: LabNetwork;
  /** Pod on n1 (10.244.0.2) and pod on n2 (10.244.1.2). */
  a: ReturnType<LabNetwork['attachPod']>;
  b: ReturnType<LabNetwork['attachPod']>;
}

/**
 * Two nodes on one underlay subnet, pods 10.244.0.2 (n1) and 10.244.1.2 (n2) joined by flannel-style
 * VXLAN (pod MTU 1450). `kind: 'memory'` with a SimClock runs in virtual time.
 */
export async function twoPods(opts: { clock: Clock; kind?: 'memory' | 'dgram'; random?: RandomSource; podMtu?: number }): Promise<TwoPods> {
  const loaded = loadTopologyText(`apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: tcp}
spec:
  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24}]}
  nodes: [{name: n1, role: control-plane}, {name: n2}]
`, 'tcp.yaml');
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  const net = LabNetwork.fromTopology(loaded.value.topology, { clock: opts.clock, kind: opts.kind, random: opts.random });
  await net.start();
  const mtu = opts.podMtu ?? 1450;
  const a = net.attachPod('n1', 'default/a', '10.244.0.2', '10.244.0.0/24', { mtu });
  const b = net.attachPod('n2', 'default/b', '10.244.1.2', '10.244.1.0/24', { mtu });
  programFlannelVxlan([
    { ns: net.node('n1').ns, nodeIP: net.node('n1').eth0.address, podCIDR: '10.244.0.0/24' },
    { ns: net.node('n2').ns, nodeIP: net.node('n2').eth0.address, podCIDR: '10.244.1.0/24' },
  ]);
  return { net, a, b };
}

/** Writes `total` pseudo-random bytes in `chunk`-byte writes honouring backpressure; resolves with their sha256. */
export function sendPattern(socket: TcpSocket, total: number, chunk = 64 * 1024, seed = 7): Promise<string> {
  const hash = createHash('sha256');
  const block = pattern(chunk, seed);
  let sent = 0;
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(chunk, total - sent);
        const bytes = Buffer.from(block.buffer, block.byteOffset, n);
        block[0] = (block[0]! + 1) & 0xff; // vary the stream so a misplaced block shows in the hash
        const copy = Buffer.from(bytes);
        hash.update(copy);
        sent += n;
        if (!socket.write(copy)) return void socket.once('drain', pump);
      }
      socket.end();
      resolve(hash.digest('hex'));
    };
    pump();
  });
}

/** Hashes everything a socket delivers until its end. */
export function receiveAll(socket: TcpSocket): { done: Promise<{ bytes: number; sha256: string }>; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const done = new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
    });
    socket.once('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    socket.once('error', reject);
  });
  return { done, bytes: () => bytes };
}
