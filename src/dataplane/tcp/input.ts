/**
 * SEGMENT ARRIVES (RFC 9293 3.10.7) for a connection past LISTEN: SYN-SENT's handshake checks, then
 * for synchronized states the six steps — sequence acceptability, RST (with RFC 5961's exact-match
 * rule and challenge ACKs), SYN, ACK (una, window, NewReno), data (in order or queued for
 * reassembly) and FIN. Events for the application are queued on the connection (notify) and
 * delivered when input() returns.
 */
import type { Tcb } from './tcb.js';
import { retransmitHead, sendReset, sendResetFor, sendSyn, trySend } from './output.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type InSegment, segmentLength } from './segment.js';
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from './seq.js';
import { EV_READABLE, EV_REMOTE_FIN, EV_WRITABLE } from './state.js';

export function processSegment(c: Tcb, seg: InSegment, now: number): void {
  switch (c.state) {
    case 'CLOSED':
    case 'LISTEN':
      return; // the layer answers these
    case 'SYN-SENT':
      return synSent(c, seg, now);
    default:
      return synchronized(c, seg, now);
  }
}

/** RFC 9293 3.10.7.3. */
function synSent(c: Tcb, seg: InSegment, now: number): void {
  const flags = seg.flags;
  if (flags & TCP_ACK && (seqLe(seg.ack, c.iss) || seqGt(seg.ack, c.sndMax))) {
    if (!(flags & TCP_RST)) sendResetFor(c, seg.ack);
    return c.counters.drops.add('bad-ack');
  }
  if (flags & TCP_RST) {
    if (!(flags & TCP_ACK)) return; // a RST without an acceptable ACK is ignored
    c.counters.resetsIn++;
    return c.fail('ECONNREFUSED');
  }
  if (!(flags & TCP_SYN)) return;
  c.synReceived(seg);
  if (flags & TCP_ACK) {
    c.sndUna = seg.ack;
    c.sndWl2 = seg.ack;
    c.rtoAt = Infinity;
    sampleRtt(c, seg.ack, now);
    c.rcvAdv = seqAdd(c.rcvNxt, Math.min(0xffff, c.receiveBuffer)); // our SYN's window, unscaled
    c.establish(now);
    c.ackNow = true;
    trySend(c, now); // data written while connecting rides on (or replaces) the handshake's ACK
    if (seg.payload.length > 0 || flags & TCP_FIN) synchronized(c, { ...seg, flags: flags & ~TCP_SYN, seq: seqAdd(seg.seq, 1) }, now);
    return;
  }
  // Simultaneous open (3.10.7.3, fourth step): SYN-RECEIVED, our SYN again with an ACK.
  c.state = 'SYN-RECEIVED';
  sendSyn(c);
}

/** RFC 9293 3.10.7.4: every state from SYN-RECEIVED to TIME-WAIT. */
function synchronized(c: Tcb, seg: InSegment, now: number): void {
  if (c.state === 'SYN-RECEIVED' && (seg.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && seg.seq === c.irs) {
    // Simultaneous open: the peer's SYN-ACK repeats a SYN we already have; its ACK is what counts
    // (Linux tcp_validate_incoming lets exactly this one through rather than challenging it).
    seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: seg.flags & ~TCP_SYN };
  }
  const flags = seg.flags;
  let seq = seg.seq;
  let data = seg.payload;
  let fin = (flags & TCP_FIN) !== 0;
  const window = Math.max(0, seqDiff(c.rcvAdv, c.rcvNxt));

  // First: is the segment in the window?
  if (!acceptable(c, seq, segmentLength(flags, data.length), window)) {
    // A zero window still takes ACKs (and RSTs) from a segment starting at RCV.NXT; its data is dropped.
    if (!(window === 0 && seq === c.rcvNxt)) {
      if (!(flags & TCP_RST)) {
        c.ackNow = true; // RFC 9293: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (also a zero-window probe's answer)
        if (c.state === 'TIME-WAIT' && fin) c.timeWaitAt = now + c.timeWaitMs;
      }
      return c.counters.drops.add('out-of-window');
    }
    if (data.length > 0 || fin) c.ackNow = true;
    data = data.subarray(0, 0);
    fin = false;
  }
  // Trim what was already received, and what lies beyond the window.
  const old = seqDiff(c.rcvNxt, seq);
  if (old > 0) {
    if (flags & TCP_SYN) seq = seqAdd(seq, 1);
    const cut = Math.min(seqDiff(c.rcvNxt, seq), data.length);
    if (cut > 0) {
      data = data.subarray(cut);
      seq = seqAdd(seq, cut);
    }
    if (seqLt(seq, c.rcvNxt)) fin = false; // the FIN too was before RCV.NXT: a retransmission
    c.ackNow = true;
  }
  const room = window - seqDiff(seq, c.rcvNxt);
  if (data.length > room) {
    data = data.subarray(0, Math.max(0, room));
    fin = false;
  }

  // Second: RST. Only an exact RCV.NXT resets; anything else in the window gets a challenge ACK (RFC 5961 3.2).
  if (flags & TCP_RST) {
    if (seg.seq !== c.rcvNxt) {
      c.counters.challengeAcks++;
      c.ackNow = true;
      return;
    }
    c.counters.resetsIn++;
    return onReset(c);
  }
  // Fourth: a SYN in a synchronized state is answered with a challenge ACK (RFC 5961 4.2);
  // a retransmitted SYN in SYN-RECEIVED gets our SYN-ACK again.
  if (flags & TCP_SYN) {
    if (c.state === 'SYN-RECEIVED') {
      sendSyn(c);
      return;
    }
    c.counters.challengeAcks++;
    c.ackNow = true;
    return;
  }
  // Fifth: the ACK field.
  if (!(flags & TCP_ACK)) return c.counters.drops.add('no-ack');
  if (c.state === 'SYN-RECEIVED') {
    if (!(seqLt(c.sndUna, seg.ack) && seqLe(seg.ack, c.sndMax))) {
      sendResetFor(c, seg.ack);
      return c.counters.drops.add('bad-ack');
    }
    c.sndUna = seqAdd(c.sndUna, 1); // our SYN
    c.rtoAt = Infinity;
    c.sndWnd = seg.window << c.sndWscale;
    c.maxSndWnd = Math.max(c.maxSndWnd, c.sndWnd);
    c.sndWl1 = seg.seq;
    c.sndWl2 = seg.ack;
    sampleRtt(c, seg.ack, now);
    c.establish(now);
  }
  if (seqGt(seg.ack, c.sndMax)) { // acknowledges something not yet sent
    c.ackNow = true;
    return c.counters.drops.add('ack-too-new');
  }
  if (!processAck(c, seg, data.length, now)) return;

  // Sixth (URG is ignored) and seventh: the segment's data.
  if (data.length > 0 || fin) {
    if (c.state === 'ESTABLISHED' || c.state === 'FIN-WAIT-1' || c.state === 'FIN-WAIT-2') {
      if (c.readShutdown && data.length > 0) { // tcp_rcv_state_process: data for a closed socket
        sendReset(c);
        return c.fail('ECONNRESET');
      }
      receive(c, seq, data, fin, now);
    } else if (fin && c.state === 'TIME-WAIT') {
      c.ackNow = true;
      c.timeWaitAt = now + c.timeWaitMs;
    }
  }
}

function acceptable(c: Tcb, seq: number, length: number, window: number): boolean {
  const fromNxt = seqDiff(seq, c.rcvNxt);
  if (length === 0) return window === 0 ? fromNxt === 0 : fromNxt >= 0 && fromNxt < window;
  if (window === 0) return false;
  const lastFromNxt = fromNxt + length - 1;
  return (fromNxt >= 0 && fromNxt < window) || (lastFromNxt >= 0 && lastFromNxt < window);
}

function onReset(c: Tcb): void {
  switch (c.state) {
    case 'SYN-RECEIVED':
      if (c.passive) return c.enterClosed(undefined); // back to LISTEN: the listener never saw it
      return c.fail('ECONNREFUSED');
    case 'CLOSING':
    case 'LAST-ACK':
    case 'TIME-WAIT':
      return c.enterClosed(undefined);
    default:
      return c.fail('ECONNRESET');
  }
}

/** ACK processing (RFC 9293 step 5, RFC 5681, RFC 6582, RFC 6298). False: stop processing the segment. */
function processAck(c: Tcb, seg: InSegment, dataLength: number, now: number): boolean {
  const ack = seg.ack;
  if (seqLt(ack, c.sndUna)) return true; // an old duplicate: ignored, the data is still processed
  const window = seg.window << c.sndWscale;
  let windowChanged = false;
  if (seqLt(c.sndWl1, seg.seq) || (c.sndWl1 === seg.seq && seqLe(c.sndWl2, ack))) {
    windowChanged = window !== c.sndWnd;
    c.sndWnd = window;
    c.sndWl1 = seg.seq;
    c.sndWl2 = ack;
    if (window > c.maxSndWnd) c.maxSndWnd = window;
    if (window > 0 && c.persistAt !== Infinity) {
      c.persistAt = Infinity;
      c.persistBackoff = 0;
    }
  }
  const acked = seqDiff(ack, c.sndUna);
  if (acked === 0) {
    // RFC 5681 2: a duplicate ACK acknowledges nothing new, carries no data, SYN or FIN, does not
    // change the window, and arrives while data is outstanding.
    const duplicate = dataLength === 0 && !(seg.flags & (TCP_SYN | TCP_FIN)) && !windowChanged && c.sndMax !== c.sndUna;
    if (duplicate) onDuplicateAck(c, now);
    else if (windowChanged) trySend(c, now);
    return true;
  }
  // New data acknowledged.
  const finAcked = c.finSent && seqGt(ack, c.finSeq);
  const bytes = acked - (finAcked ? 1 : 0);
  c.send.consume(Math.min(bytes, c.send.length));
  c.sndUna = ack;
  if (seqLt(c.sndNxt, ack)) c.sndNxt = ack;
  sampleRtt(c, ack, now);
  c.rtt.acked();
  c.retries = 0;
  const flight = seqDiff(c.sndMax, c.sndUna);
  if (c.cc.inRecovery) {
    if (c.cc.onRecoveryAck(ack, acked, flight)) {
      retransmitHead(c, now); // a partial ACK: the next hole
      c.rtoAt = now + c.rtt.rto;
    }
  } else {
    c.cc.onNewAck(acked);
  }
  c.rtoAt = flight === 0 ? Infinity : now + c.rtt.rto;
  if (bytes > 0) c.notify(EV_WRITABLE);
  trySend(c, now);
  if (finAcked) return ourFinAcked(c, now);
  return true;
}

function onDuplicateAck(c: Tcb, now: number): void {
  c.counters.duplicateAcks++;
  const flight = seqDiff(c.sndMax, c.sndUna);
  if (c.cc.onDupAck(c.sndUna, flight, seqAdd(c.sndMax, -1))) {
    c.counters.fastRetransmits++;
    retransmitHead(c, now);
  }
  trySend(c, now);
}

/** States that wait for our FIN's ACK move on. False when the connection is gone. */
function ourFinAcked(c: Tcb, now: number): boolean {
  switch (c.state) {
    case 'FIN-WAIT-1':
      c.state = 'FIN-WAIT-2';
      if (c.readShutdown) c.orphan(now); // nobody will read the peer's FIN: bound the wait
      return true;
    case 'CLOSING':
      c.enterTimeWait(now);
      return true;
    case 'LAST-ACK':
      c.enterClosed(undefined);
      return false;
    default:
      return true;
  }
}

/** Karn's rule: only a segment sent once is timed; any retransmission cancelled the timing. */
function sampleRtt(c: Tcb, ack: number, now: number): void {
  if (c.rttStart >= 0 && seqGt(ack, c.rttSeq)) {
    c.rtt.sample(now - c.rttStart);
    c.rttStart = -1;
  }
}

/** Step seven and eight: in-order data to the application, the rest to reassembly; the FIN. */
function receive(c: Tcb, seq: number, data: Uint8Array, fin: boolean, now: number): void {
  if (seq !== c.rcvNxt) {
    c.outOfOrder.insert(seq, data, fin);
    c.counters.outOfOrder++;
    c.ackNow = true; // RFC 5681 4.2: an immediate duplicate ACK for out-of-order data
    return;
  }
  let bytes = data.length;
  if (bytes > 0) {
    c.received.push(data);
    c.rcvNxt = seqAdd(c.rcvNxt, bytes);
  }
  let finReached = fin;
  let filledHole = false;
  if (c.outOfOrder.size > 0) {
    const pulled = c.outOfOrder.pullFrom(c.rcvNxt, (chunk) => {
      c.received.push(chunk);
      bytes += chunk.length;
    });
    filledHole = pulled.next !== c.rcvNxt || pulled.fin;
    c.rcvNxt = pulled.next;
    finReached ||= pulled.fin;
  }
  if (bytes > 0) {
    c.counters.bytesReceived += bytes;
    c.dataReceived(bytes, filledHole || c.outOfOrder.size > 0, now); // RFC 5681 4.2: ACK at once when a hole fills
    c.notify(EV_READABLE);
  }
  if (finReached) remoteFin(c, now);
}

function remoteFin(c: Tcb, now: number): void {
  c.rcvNxt = seqAdd(c.rcvNxt, 1);
  c.remoteFin = true;
  c.ackNow = true;
  c.outOfOrder.clear();
  c.notify(EV_REMOTE_FIN);
  switch (c.state) {
    case 'ESTABLISHED':
      c.state = 'CLOSE-WAIT';
      break;
    case 'FIN-WAIT-1':
      if (c.finSent && seqGt(c.sndUna, c.finSeq)) c.enterTimeWait(now);
      else c.state = 'CLOSING';
      break;
    case 'FIN-WAIT-2':
      c.enterTimeWait(now);
      break;
    default:
      break;
  }
}
