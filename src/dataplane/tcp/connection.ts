/**
 * One TCP connection as a pure state machine (RFC 9293): driven by input(segment, now),
 * write/close/abort from the application and onTimer(now); it emits segments through
 * `events.transmit` and tells the application what happened through the other events, delivered
 * when each call ends. No I/O and no clock of its own: the caller passes `now` and arms one timer for
 * nextDeadline(). The state is in tcb.ts; arrivals in input.ts, sending in output.ts, timers in
 * timers.ts.
 */
import { processSegment } from './input.js';
import { sendAck, sendReset, sendSyn, trySend } from './output.js';
import type { InSegment } from './segment.js';
import { seqDiff } from './seq.js';
import { EV_CLOSED, EV_ESTABLISHED, EV_READABLE, EV_REMOTE_FIN, EV_WRITABLE, isSynchronized } from './state.js';
import { Tcb } from './tcb.js';
import { onKeepaliveTimeout, onPersistTimeout, onRetransmitTimeout } from './timers.js';

export type { ConnectionEvents, TcpState } from './state.js';
export { isSynchronized } from './state.js';
export { type ConnectionOptions, windowScaleFor } from './tcb.js';

export class TcpConnection extends Tcb {
  // ---- opening -------------------------------------------------------------------------------

  /** Active open: SYN-SENT, SYN sent. */
  connect(now: number): void {
    this.state = 'SYN-SENT';
    this.counters.activeOpens++;
    this.rttSeq = this.iss;
    this.rttStart = now;
    sendSyn(this);
    this.rtoAt = now + this.rtt.rto;
    this.flush();
  }

  /** Passive open from a listener's SYN: SYN-RECEIVED, SYN-ACK sent. */
  acceptSyn(seg: InSegment, now: number): void {
    this.passive = true;
    this.counters.passiveOpens++;
    this.lastReceiveAt = now;
    this.synReceived(seg);
    this.state = 'SYN-RECEIVED';
    this.rttSeq = this.iss;
    this.rttStart = now;
    sendSyn(this);
    this.rtoAt = now + this.rtt.rto;
    this.flush();
  }

  // ---- the application side ------------------------------------------------------------------

  /** Queues bytes (copied) and sends what the windows allow. Returns the send buffer's free space. */
  write(data: Uint8Array, now: number): number {
    return this.writev([data], now);
  }

  /** Several buffers as one write: segments are cut after all of them are queued. */
  writev(chunks: readonly Uint8Array[], now: number): number {
    if (this.finQueued || this.state === 'CLOSED' || this.state === 'TIME-WAIT') return 0;
    let queued = 0;
    for (const data of chunks) {
      if (data.length === 0) continue;
      this.send.append(data);
      queued += data.length;
    }
    if (queued > 0) {
      trySend(this, now);
      this.flush();
    }
    return this.sendSpace();
  }

  /** Free room in the send buffer (the application should wait for `writable` at 0). */
  sendSpace(): number {
    return Math.max(0, this.sendBuffer - this.send.length);
  }

  /** Bytes written but not yet acknowledged by the peer. */
  get unacknowledged(): number {
    return this.send.length;
  }

  /** shutdown(SHUT_WR): a FIN after the queued data. */
  close(now: number): void {
    if (this.finQueued) return;
    this.finQueued = true;
    switch (this.state) {
      case 'ESTABLISHED':
        this.state = 'FIN-WAIT-1';
        break;
      case 'CLOSE-WAIT':
        this.state = 'LAST-ACK';
        break;
      default:
        return; // SYN-SENT / SYN-RECEIVED: sent once established; closed states: nothing to do
    }
    trySend(this, now);
    this.flush();
  }

  /** ABORT: RST to the peer if synchronized, then CLOSED without an error. */
  abort(now: number): void {
    if (this.state === 'CLOSED') return;
    if (this.state !== 'SYN-SENT' && this.state !== 'LISTEN' && this.state !== 'TIME-WAIT') sendReset(this);
    this.enterClosed(undefined);
    this.flush();
  }

  /** The oldest received in-order bytes (at most `max`), or undefined. Call windowUpdate() after a batch. */
  take(max?: number): Uint8Array | undefined {
    return this.received.take(max);
  }

  /** In-order bytes waiting for take(). */
  get readableLength(): number {
    return this.received.length;
  }

  /**
   * After the application consumed data: tell the peer the window opened when it grew enough to
   * matter (Linux tcp_cleanup_rbuf: at least doubled, and by at least one MSS — receiver SWS avoidance).
   */
  windowUpdate(now: number): void {
    if (!this.windowUpdateMayHelp()) return;
    const free = this.freeReceiveSpace();
    const current = Math.max(0, seqDiff(this.rcvAdv, this.rcvNxt));
    if (free - current >= Math.min(this.receiveBuffer >> 1, this.mss) && free >= 2 * current) sendAck(this);
    this.flush();
    void now;
  }

  /** Cheap pre-check for windowUpdate: only a window below half the buffer is worth announcing early. */
  windowUpdateMayHelp(): boolean {
    if (this.state !== 'ESTABLISHED' && this.state !== 'FIN-WAIT-1' && this.state !== 'FIN-WAIT-2') return false;
    return seqDiff(this.rcvAdv, this.rcvNxt) <= this.receiveBuffer >> 1;
  }

  setNoDelay(noDelay: boolean, now: number): void {
    this.noDelay = noDelay;
    if (noDelay) {
      trySend(this, now);
      this.flush();
    }
  }

  setKeepAlive(enable: boolean, idleMs: number | undefined, now: number): void {
    this.keepAlive = enable;
    if (idleMs !== undefined && idleMs > 0) this.keepIdleMs = idleMs;
    this.keepProbes = 0;
    this.keepaliveAt = enable && isSynchronized(this.state) ? Math.max(now, this.lastReceiveAt) + this.keepIdleMs : Infinity;
  }

  // ---- the network side ----------------------------------------------------------------------

  /** SEGMENT ARRIVES (RFC 9293 3.10.7) for this connection. */
  input(seg: InSegment, now: number): void {
    this.lastReceiveAt = now;
    this.keepProbes = 0;
    processSegment(this, seg, now);
    this.flush();
  }

  /**
   * An ICMP error about one of our segments (Linux tcp_v4_err): fatal while connecting, remembered
   * (a soft error) once established.
   */
  icmpError(errno: string, now: number): void {
    if (this.state === 'SYN-SENT' || (this.state === 'SYN-RECEIVED' && !this.passive)) {
      this.fail(errno);
    } else if (this.state !== 'CLOSED') {
      this.softError = errno;
    }
    this.flush();
  }

  /** ICMP fragmentation needed: a smaller path MTU; segments are re-sent at the new size. */
  pathMtu(mtu: number, now: number): void {
    const mss = Math.max(88, mtu - 40);
    if (mss >= this.mss) return;
    this.setMss(mss);
    if (isSynchronized(this.state) && this.sndUna !== this.sndMax) {
      this.sndNxt = this.sndUna;
      trySend(this, now);
    }
    this.flush();
  }

  /** When the owner's single timer must fire next (Infinity: no timer needed). */
  nextDeadline(): number {
    return Math.min(this.rtoAt, this.persistAt, this.delackAt, this.timeWaitAt, this.keepaliveAt);
  }

  onTimer(now: number): void {
    if (this.delackAt <= now) {
      this.delackAt = Infinity;
      if (this.unackedBytes > 0 || this.ackNow) sendAck(this);
    }
    if (this.rtoAt <= now) onRetransmitTimeout(this, now);
    if (this.persistAt <= now) onPersistTimeout(this, now);
    if (this.timeWaitAt <= now) this.enterClosed(undefined);
    if (this.keepaliveAt <= now) onKeepaliveTimeout(this, now);
    this.flush();
  }

  /**
   * Delivers queued events once the state is consistent (the application may call back in: write
   * from a data handler, abort from an error handler), then sends an ACK still owed.
   */
  private flush(): void {
    while (this.pending !== 0) {
      const ev = this.pending;
      this.pending = 0;
      const closed = (ev & EV_CLOSED) !== 0;
      if (ev & EV_ESTABLISHED) this.events.established();
      if (ev & EV_READABLE) this.events.readable();
      if (ev & EV_REMOTE_FIN) this.events.remoteClosed();
      if (ev & EV_WRITABLE && !closed) this.events.writable();
      if (closed) this.events.closed(this.closeError);
    }
    if (this.ackNow && this.state !== 'CLOSED') sendAck(this);
  }

}
