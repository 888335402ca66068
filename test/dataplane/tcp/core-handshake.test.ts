/**
 * The pure connection core, segment by segment (no namespaces, explicit time): opening (three-way,
 * simultaneous), MSS and window scale negotiation, closing (normal, simultaneous, TIME-WAIT) and
 * resets (RFC 9293 3.10.7, RFC 5961 challenge ACKs).
 */
import { expect } from 'chai';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../../src/net/index.js';
import { DEFAULT_RECEIVE_BUFFER, windowScaleFor } from '../../../src/dataplane/tcp/index.js';
import { type Sent, exchange, flagNames, handshake, peer, toIn } from './support.js';

const brief = (s: Sent): string => `${flagNames(s.flags)} seq=${s.seq} ack=${s.flags & TCP_ACK ? s.ack : '-'} len=${s.length}`;

describe('dataplane/tcp core: opening, closing, resets', () => {
  describe('opening', () => {
    it('three-way handshake: SYN (MSS, window scale), SYN-ACK, ACK; both ESTABLISHED', () => {
      const { a, b } = handshake();
      expect(a.log.map(brief)).to.deep.equal(['SYN seq=1000 ack=- len=0', 'ACK seq=1001 ack=5001 len=0']);
      expect(b.log.map(brief)).to.deep.equal(['SYN|ACK seq=5000 ack=1001 len=0']);
      const shift = windowScaleFor(DEFAULT_RECEIVE_BUFFER); // the smallest shift that covers the buffer (512 KiB → 4)
      expect(DEFAULT_RECEIVE_BUFFER >>> shift).to.be.at.most(0xffff);
      expect(a.log[0]).to.include({ mss: 1000, windowScale: shift, window: 0xffff }); // a SYN's window is unscaled
      expect(b.log[0]).to.include({ mss: 1000, windowScale: shift });
      expect([a.conn.state, b.conn.state]).to.deep.equal(['ESTABLISHED', 'ESTABLISHED']);
      expect(a.events).to.deep.equal(['established']);
      expect(b.events).to.deep.equal(['established']);
      expect(a.conn.counters.activeOpens).to.equal(1);
      expect(b.conn.counters.passiveOpens).to.equal(1);
    });

    it('simultaneous open: crossing SYNs → SYN-RECEIVED on both sides → ESTABLISHED (RFC 9293 figure 7)', () => {
      const a = peer('a');
      const b = peer('b');
      a.conn.connect(0);
      b.conn.connect(0);
      const synA = a.out.shift()!;
      const synB = b.out.shift()!;
      b.conn.input(toIn(synA), 1);
      a.conn.input(toIn(synB), 1);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['SYN-RECEIVED', 'SYN-RECEIVED']);
      expect(a.out.map(brief)).to.deep.equal(['SYN|ACK seq=1000 ack=5001 len=0']);
      expect(b.out.map(brief)).to.deep.equal(['SYN|ACK seq=5000 ack=1001 len=0']);
      exchange(a, b, 2);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['ESTABLISHED', 'ESTABLISHED']);
      a.conn.write(new Uint8Array([1, 2, 3]), 3);
      exchange(a, b, 3);
      expect(b.data).to.deep.equal([1, 2, 3]);
    });

    const mssCases: Array<[string, number, number | undefined, number]> = [
      ['ours smaller', 1360, 1460, 1360],
      ['theirs smaller', 1460, 1360, 1360],
      ['no option from the peer: 536 (RFC 9293 3.7.1)', 1460, undefined, 536],
    ];
    for (const [name, ours, theirs, effective] of mssCases) {
      it(`MSS negotiation, ${name} → segments of at most ${effective} bytes`, () => {
        const b = peer('b', { mss: ours });
        b.conn.acceptSyn({ seq: 77, ack: 0, flags: TCP_SYN, window: 65535, mss: theirs, payload: new Uint8Array(0) }, 0);
        b.conn.input({ seq: 78, ack: 5001, flags: TCP_ACK, window: 65535, payload: new Uint8Array(0) }, 0);
        expect(b.conn.state).to.equal('ESTABLISHED');
        expect(b.conn.mss).to.equal(effective);
        b.out.length = 0;
        b.conn.write(new Uint8Array(4000), 1);
        const sizes = b.out.map((s) => s.length);
        const full = Math.floor(4000 / effective);
        expect(sizes, 'full segments; Nagle holds the short tail while they are unacknowledged').to.deep.equal(Array(full).fill(effective));
        b.conn.input({ seq: 78, ack: 5001 + full * effective, flags: TCP_ACK, window: 65535, payload: new Uint8Array(0) }, 2);
        expect(b.out.map((s) => s.length).slice(full)).to.deep.equal([4000 - full * effective]);
      });
    }

    it('window scaling: both SYNs carry it → windows above 64 KiB; a SYN without it → no scaling either way', () => {
      const { a, b } = handshake();
      expect(a.conn.sndWscale).to.equal(windowScaleFor(DEFAULT_RECEIVE_BUFFER));
      expect(a.conn.sndWnd).to.equal(b.log[0]!.window); // a SYN's window is never scaled
      b.conn.write(new Uint8Array(10), 1);
      exchange(a, b, 1);
      expect(a.conn.sndWnd, 'scaled window after the handshake').to.be.greaterThan(0xffff);
      const plain = peer('b');
      plain.conn.acceptSyn({ seq: 1, ack: 0, flags: TCP_SYN, window: 65535, mss: 1000, payload: new Uint8Array(0) }, 0);
      expect(plain.out[0]!.windowScale, 'no option in the SYN-ACK').to.equal(undefined);
      expect([plain.conn.rcvWscale, plain.conn.sndWscale]).to.deep.equal([0, 0]);
      plain.conn.input({ seq: 2, ack: 5001, flags: TCP_ACK, window: 65535, payload: new Uint8Array(0) }, 0);
      plain.conn.input({ seq: 2, ack: 5001, flags: TCP_ACK, window: 65535, payload: new Uint8Array(100) }, 0);
      plain.conn.onTimer(plain.conn.nextDeadline());
      expect(plain.out.at(-1)!.window).to.equal(0xffff); // the buffer (> 64 KiB) cannot be told without scaling
    });
  });

  describe('closing', () => {
    it('a closes first: FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT (60 s) → CLOSED; b: CLOSE-WAIT → LAST-ACK → CLOSED', () => {
      const { a, b } = handshake();
      a.conn.close(10);
      expect(a.conn.state).to.equal('FIN-WAIT-1');
      expect(a.out.map(brief)).to.deep.equal(['ACK|FIN seq=1001 ack=5001 len=0']);
      exchange(a, b, 10);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['FIN-WAIT-2', 'CLOSE-WAIT']);
      expect(b.events).to.include('remote-fin');
      b.conn.close(20);
      expect(b.conn.state).to.equal('LAST-ACK');
      exchange(a, b, 20);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['TIME-WAIT', 'CLOSED']);
      expect(b.closedWith).to.equal(undefined);
      expect(a.conn.nextDeadline()).to.equal(20 + 60_000);
      a.conn.onTimer(20 + 59_999);
      expect(a.conn.state).to.equal('TIME-WAIT');
      a.conn.onTimer(20 + 60_000);
      expect(a.conn.state).to.equal('CLOSED');
      expect(a.events.at(-1)).to.equal('closed');
    });

    it('an orphan (application gone after close) waits at most 60 s in FIN-WAIT-2 (tcp_fin_timeout)', () => {
      const { a, b } = handshake();
      a.conn.close(0);
      a.conn.orphan(0);
      exchange(a, b, 0);
      expect(a.conn.state).to.equal('FIN-WAIT-2');
      expect(a.conn.nextDeadline()).to.equal(60_000);
      a.conn.onTimer(60_000);
      expect(a.conn.state).to.equal('CLOSED');
      expect(a.closedWith).to.equal(undefined);
    });

    it('simultaneous close: crossing FINs → CLOSING on both sides → TIME-WAIT (RFC 9293 figure 13)', () => {
      const { a, b } = handshake();
      a.conn.close(5);
      b.conn.close(5);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['FIN-WAIT-1', 'FIN-WAIT-1']);
      const finA = a.out.shift()!;
      const finB = b.out.shift()!;
      b.conn.input(toIn(finA), 6);
      a.conn.input(toIn(finB), 6);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['CLOSING', 'CLOSING']);
      exchange(a, b, 7);
      expect([a.conn.state, b.conn.state]).to.deep.equal(['TIME-WAIT', 'TIME-WAIT']);
    });

    it('TIME-WAIT answers a retransmitted FIN with an ACK and restarts its 2·MSL timer', () => {
      const { a, b } = handshake({ timeWaitMs: 1000 });
      a.conn.close(0);
      exchange(a, b, 0);
      b.conn.close(0);
      const fin = b.out[0]!;
      exchange(a, b, 0);
      expect(a.conn.state).to.equal('TIME-WAIT');
      a.conn.input(toIn(fin), 800); // the peer did not get our ACK and sends its FIN again
      expect(a.out.map(brief)).to.deep.equal(['ACK seq=1002 ack=5002 len=0']);
      a.conn.onTimer(1000);
      expect(a.conn.state, 'restarted at 800').to.equal('TIME-WAIT');
      a.conn.onTimer(1800);
      expect(a.conn.state).to.equal('CLOSED');
    });

    it('data written before close() goes first; the FIN rides on the last segment', () => {
      const { a, b } = handshake();
      a.conn.write(new Uint8Array(2500).fill(9), 1);
      a.conn.close(1);
      expect(a.out.map(brief)).to.deep.equal([
        'ACK seq=1001 ack=5001 len=1000', 'ACK seq=2001 ack=5001 len=1000', 'ACK|FIN|PSH seq=3001 ack=5001 len=500',
      ]);
      exchange(a, b, 2);
      expect(b.data.length).to.equal(2500);
      expect(b.conn.state).to.equal('CLOSE-WAIT');
    });
  });

  describe('resets', () => {
    const established = () => {
      const { a, b } = handshake();
      a.out.length = 0;
      b.out.length = 0;
      return { a, b };
    };

    it('a RST with exactly RCV.NXT resets: ECONNRESET', () => {
      const { a } = established();
      a.conn.input({ seq: 5001, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }, 1);
      expect(a.conn.state).to.equal('CLOSED');
      expect(a.closedWith).to.equal('ECONNRESET');
      expect(a.conn.counters.resetsIn).to.equal(1);
    });

    it('a RST inside the window but not at RCV.NXT gets a challenge ACK and changes nothing (RFC 5961 3.2)', () => {
      const { a } = established();
      a.conn.input({ seq: 5001 + 500, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }, 1);
      expect(a.conn.state).to.equal('ESTABLISHED');
      expect(a.out.map(brief)).to.deep.equal(['ACK seq=1001 ack=5001 len=0']);
      expect(a.conn.counters.challengeAcks).to.equal(1);
    });

    it('a RST outside the window is dropped silently', () => {
      const { a } = established();
      a.conn.input({ seq: 5001 + 5_000_000, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }, 1);
      a.conn.input({ seq: 4000, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }, 1);
      expect(a.conn.state).to.equal('ESTABLISHED');
      expect(a.out).to.deep.equal([]);
    });

    it('a SYN on an established connection gets a challenge ACK (RFC 5961 4.2)', () => {
      const { a } = established();
      a.conn.input({ seq: 5001, ack: 0, flags: TCP_SYN, window: 100, payload: new Uint8Array(0) }, 1);
      expect(a.conn.state).to.equal('ESTABLISHED');
      expect(a.out.map(brief)).to.deep.equal(['ACK seq=1001 ack=5001 len=0']);
    });

    it('SYN-SENT: RST|ACK acknowledging our SYN → ECONNREFUSED; a RST without ACK is ignored; a bad ACK is answered with RST', () => {
      const a = peer('a');
      a.conn.connect(0);
      a.conn.input({ seq: 0, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }, 1);
      expect(a.conn.state).to.equal('SYN-SENT');
      a.conn.input({ seq: 9, ack: 999, flags: TCP_SYN | TCP_ACK, window: 100, payload: new Uint8Array(0) }, 1); // ACK <= ISS
      expect(a.log.at(-1)).to.include({ flags: TCP_RST, seq: 999 });
      expect(a.conn.state).to.equal('SYN-SENT');
      a.conn.input({ seq: 0, ack: 1001, flags: TCP_RST | TCP_ACK, window: 0, payload: new Uint8Array(0) }, 2);
      expect(a.conn.state).to.equal('CLOSED');
      expect(a.closedWith).to.equal('ECONNREFUSED');
    });

    it('SYN-RECEIVED (passive): a RST ends the attempt quietly; an ACK for unsent data is answered with RST', () => {
      const b = peer('b');
      b.conn.acceptSyn({ seq: 100, ack: 0, flags: TCP_SYN, window: 1000, mss: 1000, payload: new Uint8Array(0) }, 0);
      b.conn.input({ seq: 101, ack: 9999, flags: TCP_ACK, window: 1000, payload: new Uint8Array(0) }, 1);
      expect(b.log.at(-1)).to.include({ flags: TCP_RST, seq: 9999 });
      expect(b.conn.state).to.equal('SYN-RECEIVED');
      b.conn.input({ seq: 101, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }, 2);
      expect(b.conn.state).to.equal('CLOSED');
      expect(b.closedWith).to.equal(undefined);
    });

    it('abort() sends <SEQ=SND.NXT><CTL=RST,ACK> and closes without an error; the peer gets ECONNRESET', () => {
      const { a, b } = established();
      a.conn.write(new Uint8Array(300), 1);
      a.out.length = 0; // in flight, never delivered
      a.conn.abort(2);
      expect(a.out.map(brief)).to.deep.equal(['ACK|RST seq=1301 ack=5001 len=0']);
      expect(a.closedWith).to.equal(undefined);
      // The peer has not seen the 300 bytes: the RST's sequence is beyond RCV.NXT, inside the window.
      b.conn.input(toIn(a.out[0]!), 3);
      expect(b.conn.state, 'challenge, not reset').to.equal('ESTABLISHED');
      b.conn.input({ ...toIn(a.out[0]!), seq: 1001 }, 3);
      expect(b.closedWith).to.equal('ECONNRESET');
    });

    it('data arriving after the application closed its receive side is answered with RST (Linux tcp_rcv_state_process)', () => {
      const { a, b } = established();
      a.conn.close(1);
      a.conn.orphan(1);
      exchange(a, b, 1);
      expect(a.conn.state).to.equal('FIN-WAIT-2');
      b.conn.write(new Uint8Array(10), 2);
      exchange(a, b, 2);
      expect(a.closedWith).to.equal('ECONNRESET');
      expect(b.closedWith).to.equal('ECONNRESET');
      expect(a.log.at(-1)!.flags & TCP_RST).to.equal(TCP_RST);
      expect(TCP_FIN).to.equal(1);
    });
  });
});
