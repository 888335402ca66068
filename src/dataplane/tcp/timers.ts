/**
 * The connection's timers other than the delayed ACK and TIME-WAIT: retransmission (RFC 6298 with
 * RFC 5681's window collapse), persist (zero-window probes) and keepalive. Each is a due time on the
 * TCB; TcpConnection.onTimer calls these when they pass.
 */
import { DATA_RETRIES, KEEPALIVE_INTERVAL_MS, KEEPALIVE_PROBES, SYNACK_RETRIES } from './constants.js';
import { canSend, persistInterval, retransmitHead, sendData, sendProbe, sendSyn } from './output.js';
import { seqAdd, seqDiff } from './seq.js';
import { isSynchronized } from './state.js';
import type { Tcb } from './tcb.js';

/** RFC 6298 5.4–5.7 and RFC 5681 3.1: retransmit, back off, collapse the window, go back N. */
export function onRetransmitTimeout(c: Tcb, now: number): void {
  c.rtoAt = Infinity;
  if (c.state === 'SYN-SENT' || c.state === 'SYN-RECEIVED') {
    const limit = c.state === 'SYN-SENT' ? c.synRetries : SYNACK_RETRIES;
    if (++c.retries > limit) {
      if (c.passive) return c.enterClosed(undefined); // a half-open attempt the listener never saw
      return c.fail(c.softError ?? 'ETIMEDOUT');
    }
    c.rtt.expired();
    c.rttStart = -1;
    c.synRetransmitted = true;
    c.counters.retransmits++;
    c.counters.timeouts++;
    sendSyn(c);
    c.rtoAt = now + c.rtt.rto;
    return;
  }
  if (c.sndUna === c.sndMax) return; // nothing outstanding
  if (++c.retries > DATA_RETRIES) return c.fail(c.softError ?? 'ETIMEDOUT');
  c.counters.timeouts++;
  c.cc.onTimeout(seqDiff(c.sndMax, c.sndUna), seqAdd(c.sndMax, -1), c.retries === 1);
  c.rtt.expired();
  c.sndNxt = c.sndUna;
  retransmitHead(c, now);
  c.rtoAt = now + c.rtt.rto;
}

/**
 * The persist timer (RFC 9293 3.8.6.1): with a zero window, an old-sequence ACK makes the peer
 * re-announce its window (Linux's probe); with a small one, as much data as it takes (tcp_write_wakeup).
 */
export function onPersistTimeout(c: Tcb, now: number): void {
  c.persistAt = Infinity;
  if (!canSend(c)) return;
  const offset = seqDiff(c.sndNxt, c.sndUna);
  const unsent = c.send.length - offset;
  if (unsent <= 0) return;
  const usable = c.sndWnd - offset;
  if (usable > 0) {
    const len = Math.min(unsent, c.mss, usable);
    sendData(c, offset, len, c.finQueued && len === unsent && !c.finSent, now);
    return;
  }
  sendProbe(c);
  c.persistBackoff++;
  c.persistAt = now + persistInterval(c);
}

/**
 * Keepalive (RFC 1122 4.2.3.6, Linux tcp_keepalive_timer): after the idle time a probe, then one
 * every interval; the expiry after KEEPALIVE_PROBES unanswered probes fails with ETIMEDOUT.
 */
export function onKeepaliveTimeout(c: Tcb, now: number): void {
  if (!c.keepAlive || !isSynchronized(c.state)) {
    c.keepaliveAt = Infinity;
    return;
  }
  const idleUntil = c.lastReceiveAt + (c.keepProbes === 0 ? c.keepIdleMs : KEEPALIVE_INTERVAL_MS);
  if (now < idleUntil) {
    c.keepaliveAt = idleUntil;
    return;
  }
  if (c.keepProbes >= KEEPALIVE_PROBES) return c.fail(c.softError ?? 'ETIMEDOUT');
  c.keepProbes++;
  sendProbe(c);
  c.keepaliveAt = now + KEEPALIVE_INTERVAL_MS;
}
