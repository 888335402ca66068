/**
 * NewReno congestion control: slow start and congestion avoidance (RFC 5681) with byte counting
 * (RFC 3465), fast retransmit on the third duplicate ACK and NewReno's fast recovery with partial
 * ACKs (RFC 6582). Slow start grows by every byte an ACK covers, up to ssthresh, the rest going to
 * congestion avoidance — Linux's tcp_slow_start, which does not cap stretch ACKs at RFC 3465's
 * L = 2·SMSS (receivers coalesce ACKs, see TcpConnection.dataReceived). Pure arithmetic: the
 * connection asks what to do and sends the segments itself.
 */
import { INITIAL_WINDOW_BYTES, INITIAL_WINDOW_SEGMENTS } from './constants.js';
import { seqGt } from './seq.js';

export const DUP_ACK_THRESHOLD = 3;

export class NewReno {
  cwnd: number;
  ssthresh = 0x7fffffff; // RFC 5681 3.1: arbitrarily high at first
  dupAcks = 0;
  inRecovery = false;
  /** RFC 6582's "recover": the highest sequence number sent when recovery (or an RTO) began. */
  recover: number;
  /** Bytes acknowledged in congestion avoidance since cwnd last grew (RFC 3465 byte counting). */
  private avoidanceAcked = 0;

  constructor(public mss: number, iss: number) {
    this.cwnd = initialWindow(mss);
    this.recover = iss;
  }

  /** New data acknowledged outside recovery. */
  onNewAck(acked: number): void {
    this.dupAcks = 0;
    let left = acked;
    if (this.cwnd < this.ssthresh) {
      const grow = Math.min(left, this.ssthresh - this.cwnd);
      this.cwnd += grow;
      left -= grow;
    }
    if (left > 0) {
      this.avoidanceAcked += left;
      while (this.avoidanceAcked >= this.cwnd) { // one SMSS per window's worth of ACKed bytes
        this.avoidanceAcked -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
  }

  /**
   * A duplicate ACK for `una`; `flight` bytes outstanding, `highest` = SND.MAX − 1. Returns true when
   * the caller must fast-retransmit the first unacknowledged segment now.
   */
  onDupAck(una: number, flight: number, highest: number): boolean {
    this.dupAcks++;
    if (this.inRecovery) {
      this.cwnd += this.mss; // RFC 6582 3.2 step 3: inflate for the segment that left the network
      return false;
    }
    // Step 2: only when this loss is newer than the last recovery (or RTO) — no second halving.
    if (this.dupAcks !== DUP_ACK_THRESHOLD || !seqGt(una, this.recover)) return false;
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.recover = highest;
    this.inRecovery = true;
    this.cwnd = this.ssthresh + DUP_ACK_THRESHOLD * this.mss;
    return true;
  }

  /**
   * New data acknowledged during recovery: true for a partial ACK (the caller retransmits the next
   * hole), false for the full ACK that ends recovery. `flight` is measured after the ACK.
   */
  onRecoveryAck(ack: number, acked: number, flight: number): boolean {
    if (seqGt(ack, this.recover)) { // full acknowledgement (RFC 6582 3.2 step 3, option 1)
      this.cwnd = Math.min(this.ssthresh, Math.max(flight, this.mss) + this.mss);
      this.inRecovery = false;
      this.dupAcks = 0;
      this.avoidanceAcked = 0;
      return false;
    }
    // Partial: deflate by what was acked, add back one SMSS if at least that much was.
    this.cwnd = Math.max(this.mss, this.cwnd - acked + (acked >= this.mss ? this.mss : 0));
    return true;
  }

  /**
   * RFC 5681 3.1: after an RTO, one segment in flight and recovery is over. ssthresh is halved on the
   * first timeout only: "when … the given segment has already been retransmitted by way of the
   * retransmission timer at least once, the value of ssthresh is held constant".
   */
  onTimeout(flight: number, highest: number, firstTimeout: boolean): void {
    if (firstTimeout) this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.recover = highest;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.avoidanceAcked = 0;
  }

  /** The MSS changed (path MTU): keep the window in segments. */
  setMss(mss: number): void {
    this.cwnd = Math.max(mss, Math.round((this.cwnd / this.mss) * mss));
    this.mss = mss;
  }
}

export function initialWindow(mss: number): number {
  return Math.min(INITIAL_WINDOW_SEGMENTS * mss, Math.max(2 * mss, INITIAL_WINDOW_BYTES));
}
