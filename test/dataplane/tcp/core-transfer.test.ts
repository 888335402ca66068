/**
 * The pure connection core moving data: out-of-order reassembly, flow control with a receiver that
 * stops reading (zero window, persist probes, resumption), RTO backoff (RFC 6298), fast retransmit
 * and NewReno recovery (RFC 5681, 6582), delayed ACKs and Nagle.
 */
import { expect } from 'chai';
import { type Peer, type Sent, drain, exchange, flagNames, handshake, pattern, peer, toIn } from './support.js';

const dataSegs = (p: Peer): Sent[] => p.out.filter((s) => s.length > 0);

describe('dataplane/tcp core: data transfer', () => {
  it('out-of-order segments are queued and reassembled; duplicates and overlaps are cut; holes get immediate ACKs', () => {
    const { a, b } = handshake();
    const bytes = pattern(5000);
    a.conn.write(bytes, 1);
    const segs = a.out.splice(0); // 5 × 1000 (IW 10 lets them all go)
    expect(segs.map((s) => s.length)).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
    const overlap: Sent = { ...segs[1]!, seq: segs[1]!.seq + 500, payload: bytes.subarray(1500, 2700), length: 1200 };
    for (const s of [segs[0]!, segs[2]!, segs[4]!, segs[2]!, overlap]) b.conn.input(toIn(s), 2);
    expect(b.data.length, 'only the first segment is in order').to.equal(1000);
    // Held: bytes [1500, 2000) from the overlapping piece (its [2000, 2700) was already there), [2000, 3000), [4000, 5000).
    expect(b.conn.outOfOrder.bytes).to.equal(500 + 1000 + 1000);
    const acks = b.out.splice(0).map((s) => `${flagNames(s.flags)} ack=${s.ack}`);
    // The in-order segment's ACK (sent at once: it opens the window past the SYN's 64 KiB), then an
    // immediate duplicate ACK for each of the four out-of-order arrivals.
    expect(acks).to.deep.equal(Array(5).fill('ACK ack=2001'));
    b.conn.input(toIn(segs[1]!), 3); // bytes [1000, 2000): joins the queue up to byte 3000
    expect(b.data.length).to.equal(3000);
    expect(b.out.map((s) => s.ack), 'hole filled: ACK at once').to.deep.equal([1001 + 3000]);
    b.conn.input(toIn(segs[3]!), 4);
    expect(Buffer.from(b.data).equals(Buffer.from(bytes))).to.equal(true);
    expect(b.conn.outOfOrder.size).to.equal(0);
  });

  it('flow control: a receiver that does not read closes the window; persist probes back off; reading resumes the transfer', () => {
    const { a, b } = handshake({}, { receiveBuffer: 8000 });
    b.autoRead = false;
    const bytes = pattern(30_000, 3);
    a.conn.write(bytes, 0);
    exchange(a, b, 0);
    expect(b.conn.readableLength, 'the receive buffer is full').to.equal(8000);
    expect(a.conn.sndWnd, 'zero window').to.equal(0);
    expect(a.conn.unacknowledged).to.equal(30_000 - 8000);
    // Persist timer: probes at the RTO, doubling, each answered with the (still zero) window.
    const probes: number[] = [];
    let now = 0;
    for (let i = 0; i < 4; i++) {
      now = a.conn.nextDeadline();
      a.conn.onTimer(now);
      const probe = a.out.at(-1)!;
      expect(probe.length, 'a probe carries no data').to.equal(0);
      expect(probe.seq, 'an old sequence number (SND.UNA − 1)').to.equal(a.conn.sndUna - 1);
      probes.push(now);
      exchange(a, b, now);
    }
    // RTO 200 ms (no RTT yet beyond the handshake's 0 ms): probes at 200, then +400, +800, +1600.
    expect(probes).to.deep.equal([200, 600, 1400, 3000]);
    expect(a.conn.counters.probes).to.equal(4);
    // The application reads: the window update (one MSS or more) restarts the sender.
    drain(b, now);
    exchange(a, b, now);
    for (let i = 0; i < 20 && b.data.length < 30_000; i++) {
      drain(b, now);
      exchange(a, b, now);
    }
    expect(b.data.length).to.equal(30_000);
    expect(Buffer.from(b.data).equals(Buffer.from(bytes))).to.equal(true);
  });

  it('flow control: a lost window update is recovered by the persist probe', () => {
    const { a, b } = handshake({}, { receiveBuffer: 4000 });
    b.autoRead = false;
    a.conn.write(pattern(6000), 0);
    exchange(a, b, 0);
    expect(a.conn.sndWnd).to.equal(0);
    drain(b, 1);
    expect(b.out.length, 'the update is sent').to.equal(1);
    b.out.length = 0; // … and lost
    const due = a.conn.nextDeadline();
    a.conn.onTimer(due);
    exchange(a, b, due);
    drain(b, due);
    exchange(a, b, due);
    expect(b.data.length).to.equal(6000);
  });

  it('RTO: SYN retransmitted at 1, 3, 7, 15, 31, 63 s, then ETIMEDOUT at 127 s (initial RTO 1 s, doubling, 6 retries)', () => {
    const a = peer('a');
    a.conn.connect(0);
    const sent = [0];
    a.out.length = 0;
    let now = 0;
    while (a.closedWith === null && now < 1_000_000) {
      now = a.conn.nextDeadline();
      a.conn.onTimer(now);
      if (a.out.length > 0) sent.push(now);
      a.out.length = 0;
    }
    expect(sent).to.deep.equal([0, 1000, 3000, 7000, 15000, 31000, 63000]);
    expect(now).to.equal(127_000);
    expect(a.closedWith).to.equal('ETIMEDOUT');
    expect(a.conn.counters.timeouts).to.equal(6);
  });

  it('RTO for data: RFC 6298 estimate (min 200 ms), doubling backoff, one-segment window, ssthresh halved once, go-back-N', () => {
    const { a, b } = handshake();
    a.conn.write(new Uint8Array(1000), 100);
    exchange(a, b, 110); // a 10 ms round trip (the handshake's was 0): SRTT 1.25, RTTVAR 2.5 → RTO = max(200, 11.25)
    expect(a.conn.rtt.srtt).to.equal(1.25);
    expect(a.conn.rtt.rto).to.equal(200);
    a.conn.write(new Uint8Array(8000), 200);
    expect(dataSegs(a).length).to.equal(8);
    a.out.length = 0; // all lost
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const due = a.conn.nextDeadline();
      a.conn.onTimer(due);
      times.push(due);
      expect(dataSegs(a).map((s) => s.seq), 'only the first unacknowledged segment').to.deep.equal([a.conn.sndUna]);
      a.out.length = 0;
    }
    expect(times).to.deep.equal([400, 800, 1600, 3200]);
    expect(a.conn.cc.cwnd).to.equal(1000);
    expect(a.conn.cc.ssthresh, 'max(FlightSize / 2, 2·SMSS) at the first timeout, then held').to.equal(4000);
    expect(a.conn.counters.timeouts).to.equal(4);
    // The fifth retransmission gets through: slow start from one segment resends the rest (go-back-N).
    let now = a.conn.nextDeadline();
    expect(now).to.equal(6400);
    a.conn.onTimer(now);
    for (let i = 0; i < 20 && b.data.length < 9000; i++) {
      exchange(a, b, now);
      now = Math.min(a.conn.nextDeadline(), b.conn.nextDeadline());
      a.conn.onTimer(now);
      b.conn.onTimer(now);
    }
    expect(b.data.length).to.equal(9000);
    expect(a.conn.rtt.backoff, 'a new ACK ends the backoff').to.equal(0);
  });

  it('fast retransmit on the third duplicate ACK, before any timeout; NewReno retransmits the next hole on the partial ACK', () => {
    const { a, b } = handshake();
    a.conn.write(pattern(10_000), 1);
    const segs = a.out.splice(0);
    expect(segs.length).to.equal(10);
    const lost = new Set([segs[2]!.seq, segs[5]!.seq]);
    for (const s of segs) if (!lost.has(s.seq)) b.conn.input(toIn(s), 2);
    const dupAcks = b.out.splice(0);
    expect(dupAcks.filter((s) => s.ack === segs[2]!.seq).length, 'an immediate duplicate ACK per out-of-order segment').to.equal(6);
    for (const ack of dupAcks) a.conn.input(toIn(ack), 3);
    expect(a.conn.counters.fastRetransmits).to.equal(1);
    expect(a.conn.cc.inRecovery).to.equal(true);
    const retransmitted = a.out.filter((s) => s.seq === segs[2]!.seq);
    expect(retransmitted.length, 'the lost segment, once').to.equal(1);
    b.conn.input(toIn(retransmitted[0]!), 4);
    const partial = b.out.splice(0).at(-1)!;
    expect(partial.ack, 'partial ACK: up to the second hole').to.equal(segs[5]!.seq);
    a.out.length = 0;
    a.conn.input(toIn(partial), 5);
    expect(a.out.filter((s) => s.length > 0)[0]!.seq, 'next hole resent at once').to.equal(segs[5]!.seq);
    exchange(a, b, 6);
    expect(b.data.length).to.equal(10_000);
    expect(a.conn.cc.inRecovery).to.equal(false);
    expect(a.conn.counters.timeouts).to.equal(0);
    expect(a.conn.counters.retransmits).to.equal(2);
  });

  it('delayed ACK: one segment waits 40 ms; two full segments are due at once (0 ms timer: a burst shares one ACK); 64 KiB forces it', () => {
    const { a, b } = handshake();
    a.conn.setNoDelay(true, 0);
    // The first data opens the window from the SYN's unscaled 64 KiB to the whole buffer: an ACK at once
    // (Linux tcp_cleanup_rbuf: the window at least doubles).
    a.conn.write(new Uint8Array(1000), 0);
    exchange(a, b, 0);
    b.out.length = 0;
    a.conn.write(new Uint8Array(1000), 10);
    exchange(a, b, 10);
    expect(b.out).to.deep.equal([]);
    expect(b.conn.nextDeadline()).to.equal(50);
    b.conn.onTimer(50);
    expect(b.out.map((s) => s.ack)).to.deep.equal([3001]);
    exchange(a, b, 50);
    a.conn.write(new Uint8Array(6000), 60);
    for (const s of a.out.splice(0)) b.conn.input(toIn(s), 60);
    expect(b.out, 'six segments arrived together: no ACK from inside the burst').to.deep.equal([]);
    expect(b.conn.nextDeadline(), 'due now').to.equal(60);
    b.conn.onTimer(60);
    expect(b.out.map((s) => s.ack), 'one ACK for the burst').to.deep.equal([9001]);
    exchange(a, b, 60);
    a.conn.cc.cwnd = 1_000_000; // let 70 segments leave together
    a.conn.write(new Uint8Array(70_000), 70);
    const burst = a.out.splice(0);
    for (const s of burst) b.conn.input(toIn(s), 70);
    expect(b.out.map((s) => s.ack), 'past 64 KiB the ACK goes at once').to.deep.equal([9001 + 66_000]);
    b.conn.onTimer(70);
    expect(b.out.map((s) => s.ack)).to.deep.equal([9001 + 66_000, 9001 + 70_000]);
  });

  it('keepalive: probes after the idle time, answered ones keep the connection; nine unanswered probes → ETIMEDOUT', () => {
    const { a, b } = handshake();
    a.conn.setKeepAlive(true, 10_000, 0);
    expect(a.conn.nextDeadline()).to.equal(10_000);
    a.conn.onTimer(10_000);
    const probe = a.out.at(-1)!;
    expect([probe.length, probe.seq]).to.deep.equal([0, a.conn.sndUna - 1]);
    exchange(a, b, 10_000); // the peer answers with an ACK
    expect(a.conn.keepProbes).to.equal(0);
    a.out.length = 0;
    let now = 10_000;
    while (a.closedWith === null && now < 1_000_000) {
      now = a.conn.nextDeadline();
      a.conn.onTimer(now);
    }
    // As Linux's tcp_keepalive_timer: the timer armed 75 s after the answered probe finds the
    // connection idle and probes; then every 75 s; the tenth expiry after nine unanswered probes fails.
    expect(a.out.length, 'nine probes, 75 s apart').to.equal(9);
    expect(now).to.equal(10_000 + 75_000 + 9 * 75_000);
    expect(a.closedWith).to.equal('ETIMEDOUT');
  });

  it('Nagle: a small write waits while data is unacknowledged; setNoDelay sends it at once', () => {
    const { a, b } = handshake();
    a.conn.write(new Uint8Array(100), 0);
    a.conn.write(new Uint8Array(100), 0);
    expect(dataSegs(a).map((s) => s.length)).to.deep.equal([100]);
    a.conn.setNoDelay(true, 0);
    expect(dataSegs(a).map((s) => s.length)).to.deep.equal([100, 100]);
    exchange(a, b, 1);
    expect(b.data.length).to.equal(200);
  });
});
