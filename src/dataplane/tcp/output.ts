/**
 * The sending side of a connection: what may go out now (windows, limited transmit, Nagle, sender SWS avoidance),
 * the handshake's SYNs, ACKs with the window we advertise (receiver SWS avoidance, RFC 7323
 * scaling), resets, retransmissions (RTO with go-back-N, fast retransmit), zero-window probes.
 */
import type { Tcb } from './tcb.js';
import { RTO_MAX_MS } from './constants.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from './segment.js';
import { seqAdd, seqDiff, seqGt } from './seq.js';

/** The window field for a segment we send now; records the right edge it advertises (RCV.ADV). */
export function advertiseWindow(c: Tcb): number {
  const shift = c.rcvWscale;
  const free = c.freeReceiveSpace();
  const current = Math.max(0, seqDiff(c.rcvAdv, c.rcvNxt));
  let field: number;
  if (free - current >= Math.min(c.receiveBuffer >> 1, c.mss)) {
    field = free >>> shift;
  } else {
    // Receiver SWS avoidance (RFC 9293 3.8.6.2.2): the right edge moves only by a useful amount, and
    // never back (rounded up to the scale unit, as Linux does, rather than shrinking it).
    field = (current + (1 << shift) - 1) >>> shift;
  }
  if (field > 0xffff) field = 0xffff;
  c.rcvAdv = seqAdd(c.rcvNxt, field << shift);
  return field;
}

/** SYN (active open) or SYN-ACK, with MSS and window scale options; window unscaled (RFC 7323 2.2). */
export function sendSyn(c: Tcb): void {
  const synAck = c.state === 'SYN-RECEIVED';
  const window = Math.min(0xffff, c.receiveBuffer);
  const offersScale = !synAck || c.rcvWscale > 0 || c.sndWscale > 0;
  c.events.transmit({
    seq: c.iss, ack: synAck ? c.rcvNxt : 0, flags: synAck ? TCP_SYN | TCP_ACK : TCP_SYN, window,
    mss: c.ourMss, windowScale: offersScale ? c.rcvWscale : undefined, offset: 0, length: 0,
  });
  c.counters.segmentsOut++;
  if (synAck) c.rcvAdv = seqAdd(c.rcvNxt, window);
  c.sndNxt = seqAdd(c.iss, 1);
  if (seqGt(c.sndNxt, c.sndMax)) c.sndMax = c.sndNxt;
}

/** An ACK now (also what a duplicate or out-of-window segment gets). In SYN-RECEIVED: the SYN-ACK again. */
export function sendAck(c: Tcb): void {
  if (c.state === 'SYN-RECEIVED') return sendSyn(c);
  if (c.state === 'SYN-SENT' || c.state === 'CLOSED') return;
  control(c, c.sndNxt, TCP_ACK);
}

/** A keepalive or zero-window probe: an ACK for an old sequence number, which the peer must answer. */
export function sendProbe(c: Tcb): void {
  control(c, seqAdd(c.sndUna, -1), TCP_ACK);
  c.counters.probes++;
}

/** ABORT's <SEQ=SND.NXT><CTL=RST> (with an ACK, as Linux's tcp_send_active_reset). */
export function sendReset(c: Tcb): void {
  control(c, c.sndNxt, TCP_RST | TCP_ACK);
  c.counters.resetsOut++;
}

/** <SEQ=SEG.ACK><CTL=RST>: the answer to an unacceptable ACK in SYN-SENT or SYN-RECEIVED. */
export function sendResetFor(c: Tcb, seq: number): void {
  c.events.transmit({ seq, ack: 0, flags: TCP_RST, window: 0, offset: 0, length: 0 });
  c.counters.segmentsOut++;
  c.counters.resetsOut++;
}

function control(c: Tcb, seq: number, flags: number): void {
  c.events.transmit({ seq, ack: c.rcvNxt, flags, window: advertiseWindow(c), offset: 0, length: 0 });
  c.counters.segmentsOut++;
  ackSent(c);
}

function ackSent(c: Tcb): void {
  c.ackNow = false;
  c.unackedBytes = 0;
  c.delackAt = Infinity;
}

export function canSend(c: Tcb): boolean {
  const s = c.state;
  return s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-1' || s === 'CLOSING' || s === 'LAST-ACK';
}

/**
 * Sends what the windows allow: full segments, a last short one under Nagle's rule (RFC 896: only
 * when nothing is unacknowledged, or always with noDelay), or one of at least half the largest window
 * the peer offered (RFC 9293 3.8.6.2.1); the FIN after the last byte. Starts the persist timer when
 * data waits for a window and nothing is in flight to bring one.
 */
export function trySend(c: Tcb, now: number): void {
  if (!canSend(c)) return;
  const mss = c.mss;
  for (;;) {
    const offset = seqDiff(c.sndNxt, c.sndUna); // sent and unacknowledged (SND.NXT may have been rewound)
    const unsent = c.send.length - offset;
    const finDue = c.finQueued && unsent === 0 && (!c.finSent || c.sndNxt === c.finSeq);
    if (unsent <= 0 && !finDue) break;
    const usable = Math.min(c.sndWnd, c.cc.cwnd + limitedTransmit(c)) - offset;
    const len = Math.min(unsent, mss, Math.max(0, usable));
    const fin = c.finQueued && len === unsent && (!c.finSent || seqAdd(c.sndNxt, len) === c.finSeq);
    if (len === 0 && !fin) break;
    if (len < mss && !fin) {
      const nagleAllows = len === unsent && (c.noDelay || offset === 0);
      if (!nagleAllows && len < c.maxSndWnd / 2) break;
    }
    sendData(c, offset, len, fin, now);
  }
  const waiting = c.send.length - seqDiff(c.sndNxt, c.sndUna);
  if (waiting > 0 && c.sndNxt === c.sndUna && c.sndUna === c.sndMax && c.rtoAt === Infinity && c.persistAt === Infinity) {
    c.persistAt = now + persistInterval(c);
  }
}

/**
 * Limited transmit (RFC 3042): on the first and second duplicate ACK, one new segment each beyond
 * cwnd (cwnd itself unchanged), so a small window still produces the three duplicates fast
 * retransmit needs instead of waiting for the RTO.
 */
function limitedTransmit(c: Tcb): number {
  const dup = c.cc.dupAcks;
  return dup > 0 && dup < 3 && !c.cc.inRecovery ? dup * c.mss : 0;
}

/** One data (and/or FIN) segment from SND.UNA + offset. */
export function sendData(c: Tcb, offset: number, len: number, fin: boolean, now: number): void {
  const seq = seqAdd(c.sndUna, offset);
  let flags = TCP_ACK;
  if (fin) flags |= TCP_FIN;
  if (len > 0 && offset + len === c.send.length) flags |= TCP_PSH;
  c.events.transmit({ seq, ack: c.rcvNxt, flags, window: advertiseWindow(c), offset, length: len });
  c.counters.segmentsOut++;
  const end = seqAdd(seq, len + (fin ? 1 : 0));
  if (seqGt(end, c.sndMax) && !seqGt(c.sndMax, seq)) { // new data: time it if nothing is being timed
    if (c.rttStart < 0 && len > 0) {
      c.rttSeq = seq;
      c.rttStart = now;
    }
  } else {
    c.counters.retransmits++;
    c.rttStart = -1; // Karn
  }
  c.counters.bytesSent += len;
  if (seqGt(end, c.sndNxt)) c.sndNxt = end;
  if (seqGt(end, c.sndMax)) c.sndMax = end;
  if (fin) {
    c.finSent = true;
    c.finSeq = seqAdd(seq, len);
  }
  if (c.rtoAt === Infinity) c.rtoAt = now + c.rtt.rto;
  c.persistAt = Infinity;
  ackSent(c);
}

/** Re-sends the first unacknowledged segment (fast retransmit, partial ACK, RTO). */
export function retransmitHead(c: Tcb, now: number): void {
  const len = Math.min(c.mss, c.send.length);
  const fin = c.finSent && len === c.send.length;
  if (len === 0 && !fin) return;
  sendData(c, 0, len, fin, now);
}

/** The persist timer's interval: the RTO, doubled per unanswered probe (RFC 9293 3.8.6.1), at most RTO_MAX. */
export function persistInterval(c: Tcb): number {
  return Math.min(RTO_MAX_MS, c.rtt.rto * 2 ** Math.min(c.persistBackoff, 20));
}
