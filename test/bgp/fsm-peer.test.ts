/** PeerSession: collision detection (RFC 4271 §6.8), refusing connections, restarting after errors. */
import { expect } from 'chai';
import { encodeKeepalive, encodeOpen } from '../../src/bgp/codec/index.js';
import { PeerSession, type PeerSessionConfig, defaultCapabilities } from '../../src/bgp/fsm/index.js';
import { ipv4 } from '../../src/net/addr.js';
import { FakeClock } from '../../src/util/clock.js';
import { FakeConnector, FakeTransport } from './fakes.js';

const AS = 64512;

function setup(localId: string, extra: Partial<PeerSessionConfig> = {}) {
  const clock = new FakeClock();
  const connector = new FakeConnector();
  const events: string[] = [];
  const peer = new PeerSession(
    { localAs: AS, localId: ipv4(localId), peerAs: AS, peerAddress: '10.0.0.2', connectRetryMs: 5000, ...extra },
    clock, connector,
    { established: () => events.push('established'), down: (r) => events.push(`down: ${r}`) },
  );
  return { clock, connector, peer, events };
}

const open = encodeOpen({ version: 4, myAs: AS, holdTime: 90, bgpId: ipv4('10.0.0.2'), capabilities: defaultCapabilities(AS) });

/** Both sides connected at once: ours is in OpenSent when the peer's connection arrives. */
function collide(localId: string) {
  const s = setup(localId);
  s.peer.start();
  const ours = s.connector.succeed(new FakeTransport('10.0.0.1', '10.0.0.2', 40000, 179));
  const theirs = new FakeTransport('10.0.0.1', '10.0.0.2', 179, 50000);
  s.peer.accept(theirs);
  ours.sentTypes();
  expect(theirs.sentTypes()).to.deep.equal(['OPEN']);
  return { ...s, ours, theirs };
}

describe('bgp fsm: PeerSession collision detection', () => {
  it('local BGP Identifier higher: keeps our connection, dumps the peer’s with Cease / Connection Collision Resolution', () => {
    const c = collide('10.0.0.9');
    c.ours.deliver(open); // the first OPEN settles it (the peer's identifier is now known)
    expect([c.theirs.sentTypes(), c.theirs.closed]).to.deep.equal([['NOTIFICATION 6/7'], true]);
    expect(c.ours.sentTypes()).to.deep.equal(['KEEPALIVE']);
    c.ours.deliver(encodeKeepalive());
    expect([c.peer.state, c.peer.established?.transport]).to.deep.equal(['Established', c.ours]);
  });

  it('local BGP Identifier lower: dumps ours, keeps the peer’s connection, which becomes the primary', () => {
    const c = collide('10.0.0.1');
    c.ours.deliver(open);
    expect([c.ours.sentTypes(), c.ours.closed]).to.deep.equal([['NOTIFICATION 6/7'], true]);
    c.theirs.deliver(open, encodeKeepalive());
    expect(c.theirs.sentTypes()).to.deep.equal(['KEEPALIVE']);
    expect([c.peer.state, c.peer.established?.transport, c.events]).to.deep.equal(['Established', c.theirs, ['established']]);
    expect(c.peer.primary.transport).to.equal(c.theirs);
  });

  it('the same resolution when the OPEN arrives first on the peer’s connection', () => {
    const c = collide('10.0.0.1');
    c.theirs.deliver(open);
    expect([c.ours.closed, c.theirs.closed]).to.deep.equal([true, false]);
    const d = collide('10.0.0.9');
    d.theirs.deliver(open);
    expect([d.ours.closed, d.theirs.closed]).to.deep.equal([false, true]);
  });

  it('a connection still in OpenConfirm when the other OPEN comes is resolved the same way', () => {
    const s = setup('10.0.0.9');
    s.peer.start();
    const ours = s.connector.succeed();
    ours.deliver(open); // OpenConfirm before the peer's connection shows up
    const theirs = new FakeTransport();
    s.peer.accept(theirs);
    theirs.deliver(open);
    expect([theirs.sentTypes(), ours.closed]).to.deep.equal([['OPEN', 'NOTIFICATION 6/7'], false]);
  });

  it('a peer connecting while our attempt is in flight: both run; if ours fails, the peer’s carries the session', () => {
    const s = setup('10.0.0.1');
    s.peer.start();
    const theirs = new FakeTransport();
    s.peer.accept(theirs);
    expect(s.connector.last.cancelled).to.equal(false); // not dropped: the peer may have taken it already
    s.connector.fail();
    theirs.deliver(open, encodeKeepalive());
    expect([s.peer.state, s.peer.primary.transport]).to.deep.equal(['Established', theirs]);
  });

  it('a connection arriving while Established is closed with Cease / Connection Collision Resolution', () => {
    const s = setup('10.0.0.1');
    s.peer.start();
    const t = s.connector.succeed();
    t.deliver(open, encodeKeepalive());
    const extra = new FakeTransport();
    s.peer.accept(extra);
    expect([extra.sentTypes(), extra.closed, s.peer.state]).to.deep.equal([['NOTIFICATION 6/7'], true, 'Established']);
  });

  it('a connection to a stopped peer is refused with Cease / Connection Rejected', () => {
    const s = setup('10.0.0.1');
    const t = new FakeTransport();
    s.peer.accept(t);
    expect([t.sentTypes(), t.closed]).to.deep.equal([['NOTIFICATION 6/5'], true]);
  });

  it('a passive peer takes the incoming connection', () => {
    const s = setup('10.0.0.1', { passive: true });
    s.peer.start();
    expect(s.peer.state).to.equal('Active');
    const t = new FakeTransport();
    s.peer.accept(t);
    t.deliver(open, encodeKeepalive());
    expect(s.peer.state).to.equal('Established');
    expect(s.connector.attempts).to.have.length(0);
  });
});

describe('bgp fsm: PeerSession restarts', () => {
  it('after an error it restarts after the error wait, doubling up to the maximum, reset by Established', () => {
    const s = setup('10.0.0.1', { errorWaitMs: [5000, 12000] });
    s.peer.start();
    const starts = (): number => s.connector.attempts.length;
    const failOpenSent = (): void => {
      const t = s.connector.succeed();
      s.clock.advance(240_000); // no OPEN: Hold Timer Expired → Idle
      expect(t.closed).to.equal(true);
    };
    failOpenSent();
    expect(s.peer.state).to.equal('Idle');
    s.clock.advance(4999);
    expect(starts()).to.equal(1);
    s.clock.advance(1);
    expect([starts(), s.peer.state]).to.deep.equal([2, 'Connect']);
    failOpenSent();
    s.clock.advance(10_000);
    expect(starts()).to.equal(3);
    failOpenSent();
    s.clock.advance(12_000); // capped
    expect(starts()).to.equal(4);
    const t = s.connector.succeed();
    t.deliver(open, encodeKeepalive());
    t.drop();
    s.clock.advance(5000); // back to the first wait
    expect(starts()).to.equal(5);
  });

  it('no restart after stop()', () => {
    const s = setup('10.0.0.1');
    s.peer.start();
    s.peer.stop();
    s.clock.advance(600_000);
    expect([s.peer.state, s.connector.attempts.length]).to.deep.equal(['Idle', 1]);
  });

  it('`since` follows the shown state', () => {
    const s = setup('10.0.0.1');
    s.clock.advance(1000);
    s.peer.start();
    expect(s.peer.since).to.equal(s.clock.now());
  });

  it('one peer’s error leaves another peer’s session up', () => {
    const a = setup('10.0.0.1');
    const b = setup('10.0.0.1');
    a.peer.start();
    b.peer.start();
    const ta = a.connector.succeed();
    const tb = b.connector.succeed();
    ta.deliver(open, encodeKeepalive());
    tb.deliver(open, encodeKeepalive());
    ta.deliver(Uint8Array.of(0xde, 0xad, ...new Array(17).fill(0)));
    expect([a.peer.state, b.peer.state]).to.deep.equal(['Idle', 'Established']);
  });
});
