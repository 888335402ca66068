/**
 * The Transmission Control Block (RFC 9293 3.3.1): everything one connection remembers — sequence
 * spaces, windows, buffers, congestion and RTT state, timer due times — and the transitions the
 * arrival and sending paths (input.ts, output.ts, timers.ts) share. TcpConnection adds the API.
 * Fields are public for those modules and for tests; applications use TcpSocket.
 */
import { NewReno } from './congestion.js';
import {
  DEFAULT_RECEIVE_BUFFER, DEFAULT_SEND_BUFFER, DELAYED_ACK_MS, FIN_TIMEOUT_MS, KEEPALIVE_IDLE_MS, MAX_STRETCH_ACK_BYTES, MAX_WINDOW_SCALE,
  RTO_AFTER_SYN_LOSS_MS, SYN_RETRIES, TIME_WAIT_MS,
} from './constants.js';
import { InOrderQueue, OutOfOrderQueue } from './receive-queue.js';
import { RttEstimator } from './rtt.js';
import { SendBuffer } from './send-buffer.js';
import type { InSegment } from './segment.js';
import { seqAdd } from './seq.js';
import { type ConnectionEvents, EV_CLOSED, EV_ESTABLISHED, type TcpState } from './state.js';
import { type TcpCounters, newTcpCounters } from './stats.js';

export interface ConnectionOptions {
  /** The MSS we announce and the largest we send: the route's MTU − 40. */
  mss: number;
  /** Initial send sequence number. */
  iss: number;
  events: ConnectionEvents;
  receiveBuffer?: number;
  sendBuffer?: number;
  timeWaitMs?: number;
  synRetries?: number;
  /** Bounds of the retransmission timeout (tests shorten them). */
  minRtoMs?: number;
  maxRtoMs?: number;
  noDelay?: boolean;
  /** Counters shared by every connection of a layer. */
  counters?: TcpCounters;
}

export class Tcb {
  state: TcpState = 'CLOSED';
  /** Opened by a listener (a RST in SYN-RECEIVED then just ends the attempt). */
  passive = false;
  readonly events: ConnectionEvents;
  readonly counters: TcpCounters;
  // Send sequence space (RFC 9293 3.3.1) plus SND.MAX, the highest sent (go-back-N after an RTO).
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** The largest window the peer offered (sender SWS avoidance). */
  maxSndWnd = 0;
  /** The peer's window shift (RFC 7323), 0 unless both SYNs carried the option. */
  sndWscale = 0;
  // Receive sequence space; rcvAdv is the right edge we advertised (RCV.NXT + RCV.WND).
  irs = 0;
  rcvNxt = 0;
  rcvAdv = 0;
  rcvWscale: number;
  /** The MSS we announce; `mss` is what we send: min(ours, the peer's), lowered by path MTU. */
  readonly ourMss: number;
  mss: number;
  readonly send = new SendBuffer();
  readonly received = new InOrderQueue();
  readonly outOfOrder = new OutOfOrderQueue();
  readonly receiveBuffer: number;
  readonly sendBuffer: number;
  /** close() was called: a FIN follows the queued data. finSeq is its sequence number once sent. */
  finQueued = false;
  finSent = false;
  finSeq = 0;
  /** The peer's FIN was received in order. */
  remoteFin = false;
  /** The application is gone (destroyed after end()): new data is answered with RST, as Linux does. */
  readShutdown = false;
  readonly cc: NewReno;
  readonly rtt: RttEstimator;
  /** Karn: the one segment being timed (rttStart < 0: none). */
  rttSeq = 0;
  rttStart = -1;
  /** Consecutive retransmission timeouts (SYN or data) without progress. */
  retries = 0;
  synRetransmitted = false;
  /** In-order bytes received since we last sent an ACK; an immediate ACK is owed when ackNow. */
  unackedBytes = 0;
  ackNow = false;
  noDelay: boolean;
  // Timers: absolute due times (Infinity = off). The owner arms one clock timer for nextDeadline().
  rtoAt = Infinity;
  persistAt = Infinity;
  persistBackoff = 0;
  delackAt = Infinity;
  timeWaitAt = Infinity;
  keepaliveAt = Infinity;
  keepAlive = false;
  keepIdleMs = KEEPALIVE_IDLE_MS;
  keepProbes = 0;
  lastReceiveAt = 0;
  /** An ICMP error seen while connected: reported instead of ETIMEDOUT if the connection times out. */
  softError: string | undefined;
  closeError: string | undefined;
  readonly timeWaitMs: number;
  readonly synRetries: number;
  /** Events queued during a call (EV_* bits), delivered by TcpConnection when it ends. */
  pending = 0;

  constructor(opts: ConnectionOptions) {
    this.events = opts.events;
    this.counters = opts.counters ?? newTcpCounters();
    this.iss = opts.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.ourMss = opts.mss;
    this.mss = opts.mss;
    this.receiveBuffer = opts.receiveBuffer ?? DEFAULT_RECEIVE_BUFFER;
    this.sendBuffer = opts.sendBuffer ?? DEFAULT_SEND_BUFFER;
    this.rcvWscale = windowScaleFor(this.receiveBuffer);
    this.timeWaitMs = opts.timeWaitMs ?? TIME_WAIT_MS;
    this.synRetries = opts.synRetries ?? SYN_RETRIES;
    this.noDelay = opts.noDelay ?? false;
    this.rtt = new RttEstimator(opts.minRtoMs, opts.maxRtoMs);
    this.cc = new NewReno(this.mss, this.iss);
  }

  /** The peer's SYN: its sequence number, MSS and window scale (RFC 7323 1.3: both SYNs or none). */
  synReceived(seg: InSegment): void {
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    if (seg.windowScale !== undefined) {
      this.sndWscale = Math.min(seg.windowScale, MAX_WINDOW_SCALE);
    } else {
      this.sndWscale = 0;
      this.rcvWscale = 0;
    }
    this.setMss(Math.min(this.ourMss, seg.mss ?? 536));
    this.sndWnd = seg.window; // never scaled in a SYN
    this.maxSndWnd = Math.max(this.maxSndWnd, seg.window);
    this.sndWl1 = seg.seq;
  }

  /** SYN-SENT or SYN-RECEIVED → ESTABLISHED (FIN-WAIT-1 if close() came first). */
  establish(now: number): void {
    this.state = this.finQueued ? 'FIN-WAIT-1' : 'ESTABLISHED';
    this.counters.established++;
    this.retries = 0;
    if (this.synRetransmitted) this.rtt.resetTo(RTO_AFTER_SYN_LOSS_MS);
    this.rtt.acked();
    if (this.keepAlive) this.keepaliveAt = now + this.keepIdleMs;
    this.notify(EV_ESTABLISHED);
  }

  /** Receive buffer not holding data: the window we can offer. */
  freeReceiveSpace(): number {
    const held = this.received.length + (this.events.appBuffered?.() ?? 0);
    return Math.max(0, this.receiveBuffer - held);
  }

  /**
   * In-order data arrived: when to acknowledge it. Immediately for out-of-order and
   * hole-filling data (RFC 5681 4.2: fast retransmit needs those duplicate ACKs at once) and past
   * 64 KiB unacknowledged; for every second full-sized segment (RFC 5681/9293) the ACK is due now but
   * goes out from the timer (0 ms), so segments arriving in the same instant — one poll of a socket,
   * one delivery batch — share one ACK, as GRO makes a Linux receiver do; otherwise after 40 ms.
   */
  dataReceived(bytes: number, immediate: boolean, now: number): void {
    this.unackedBytes += bytes;
    if (immediate || this.unackedBytes >= MAX_STRETCH_ACK_BYTES) this.ackNow = true;
    else if (this.unackedBytes >= 2 * this.mss) this.delackAt = now;
    else if (this.delackAt === Infinity) this.delackAt = now + DELAYED_ACK_MS;
  }

  /** */
  setMss(mss: number): void {
    this.mss = mss;
    this.cc.setMss(mss);
  }

  /** The connection failed: CLOSED with an errno for the application. */
  fail(error: string): void {
    if (this.state === 'CLOSED') return;
    this.counters.failed++;
    this.enterClosed(error);
  }

  /** */
  enterClosed(error: string | undefined): void {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.closeError = error;
    this.rtoAt = this.persistAt = this.delackAt = this.timeWaitAt = this.keepaliveAt = Infinity;
    this.outOfOrder.clear();
    this.notify(EV_CLOSED);
  }

  /** */
  /**
   * The application closed its socket after end(): the connection finishes on its own (Linux's
   * orphan), new data is refused, and FIN-WAIT-2 lasts at most FIN_TIMEOUT_MS.
   */
  orphan(now: number): void {
    this.readShutdown = true;
    if (this.state === 'FIN-WAIT-2') this.timeWaitAt = now + FIN_TIMEOUT_MS;
  }

  enterTimeWait(now: number): void {
    this.state = 'TIME-WAIT';
    this.rtoAt = this.persistAt = this.keepaliveAt = Infinity;
    this.timeWaitAt = now + this.timeWaitMs;
  }

  /** Queues an event for the application, delivered when the current call ends. */
  notify(event: number): void {
    this.pending |= event;
  }

}

/** The smallest shift that lets the window field express the whole receive buffer (RFC 7323 2.3). */
export function windowScaleFor(receiveBuffer: number): number {
  let shift = 0;
  while (shift < MAX_WINDOW_SCALE && receiveBuffer >>> shift > 0xffff) shift++;
  return shift;
}
