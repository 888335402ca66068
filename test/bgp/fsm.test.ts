/**
 * The RFC 4271 §8 FSM, transition by transition (Idle, Connect, Active, OpenSent), on a FakeClock
 * with a fake transport. Each test drives events (or bytes) and checks the state, the messages
 * written and the timers.
 */
import { expect } from 'chai';
import { encodeKeepalive, encodeNotification, encodeRouteRefresh } from '../../src/bgp/codec/index.js';
import { type FsmConfig, defaultCapabilities } from '../../src/bgp/fsm/index.js';
import { ipv4 } from '../../src/net/addr.js';
import { FakeTransport } from './fakes.js';
import { AS, peerOpen, rig, toOpenConfirm, toOpenSent } from './fsm-rig.js';
import { hex, rawMessage, rawUpdate } from './support.js';

describe('bgp fsm: Idle', () => {
  it('ManualStart → Connect: initiates TCP to the peer on 179, starts the ConnectRetryTimer', () => {
    const r = rig({ localAddress: '10.0.0.1' });
    r.fsm.handle({ type: 'ManualStart' });
    expect(r.fsm.state).to.equal('Connect');
    expect(r.connector.attempts.map((a) => [a.address, a.port, a.localAddress])).to.deep.equal([['10.0.0.2', 179, '10.0.0.1']]);
    expect(r.fsm.runningTimers()).to.deep.equal(['connectRetry']);
  });

  it('ManualStart on a passive peer → Active without connecting or retry timer', () => {
    const r = rig({ passive: true });
    r.fsm.handle({ type: 'ManualStart' });
    expect(r.fsm.state).to.equal('Active');
    expect(r.connector.attempts).to.have.length(0);
    r.clock.advance(60_000);
    expect(r.connector.attempts).to.have.length(0);
  });

  it('ManualStart_with_PassiveTcpEstablishment → Active; the retry timer then connects (→ Connect)', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    expect(r.fsm.state).to.equal('Active');
    r.clock.advance(5000);
    expect(r.fsm.state).to.equal('Connect');
    expect(r.connector.attempts).to.have.length(1);
  });

  it('ignores everything but starts, and refuses incoming connections', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStop' });
    r.fsm.handle({ type: 'KeepAliveMsg' });
    r.fsm.handle({ type: 'HoldTimer_Expires' });
    const t = new FakeTransport();
    r.fsm.handle({ type: 'TcpConnectionConfirmed', transport: t });
    expect([r.fsm.state, t.closed, r.log]).to.deep.equal(['Idle', true, []]);
  });
});

describe('bgp fsm: Connect and Active', () => {
  it('ConnectRetryTimer_Expires in Connect: drops the attempt and tries again', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStart' });
    r.clock.advance(5000);
    expect(r.fsm.state).to.equal('Connect');
    expect(r.connector.attempts.map((a) => a.cancelled)).to.deep.equal([true, false]);
  });

  it('Tcp_CR_Acked → OpenSent: our OPEN (AS, hold 240, capabilities), HoldTimer at the large value, no retry timer', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStart' });
    const t = r.connector.succeed();
    expect(r.fsm.state).to.equal('OpenSent');
    const [open] = t.sent();
    expect(open).to.deep.equal({ type: 'OPEN', version: 4, myAs: AS, holdTime: 240, bgpId: ipv4('10.0.0.1'), capabilities: defaultCapabilities(AS) });
    expect(r.fsm.runningTimers()).to.deep.equal(['hold']);
    r.clock.advance(239_999);
    expect(r.fsm.state).to.equal('OpenSent');
  });

  it('a failed attempt → Active (socket error kept for status); the retry timer connects again', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStart' });
    r.connector.fail('connect ECONNREFUSED 10.0.0.2:179');
    expect(r.fsm.state).to.equal('Active');
    expect(r.fsm.lastError).to.equal('Socket: connect ECONNREFUSED 10.0.0.2:179');
    r.clock.advance(5000);
    expect([r.fsm.state, r.connector.attempts.length]).to.deep.equal(['Connect', 2]);
  });

  it('an incoming connection in Connect wins over our pending attempt', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStart' });
    const t = new FakeTransport();
    r.fsm.handle({ type: 'TcpConnectionConfirmed', transport: t });
    expect([r.fsm.state, r.connector.last.cancelled, r.fsm.outbound]).to.deep.equal(['OpenSent', true, false]);
    expect(t.sentTypes()).to.deep.equal(['OPEN']);
  });

  it('an incoming connection in Active → OpenSent', () => {
    const r = rig({ passive: true });
    r.fsm.handle({ type: 'ManualStart' });
    r.fsm.handle({ type: 'TcpConnectionConfirmed', transport: new FakeTransport() });
    expect(r.fsm.state).to.equal('OpenSent');
  });

  it('a connection completing after ManualStop is closed, not used', () => {
    const r = rig();
    r.fsm.handle({ type: 'ManualStart' });
    const attempt = r.connector.last;
    r.fsm.handle({ type: 'ManualStop' });
    const t = new FakeTransport();
    attempt.callbacks.connected(t);
    expect([r.fsm.state, t.closed, attempt.cancelled]).to.deep.equal(['Idle', true, true]);
  });

  it('ManualStop in Active → Idle', () => {
    const r = rig({ passive: true });
    r.fsm.handle({ type: 'ManualStart' });
    r.fsm.handle({ type: 'ManualStop' });
    expect(r.fsm.state).to.equal('Idle');
  });
});

describe('bgp fsm: OpenSent', () => {
  it('a valid OPEN → KEEPALIVE, OpenConfirm, hold time = min(240, 90), KEEPALIVE every 30 s', () => {
    const r = rig();
    const t = toOpenConfirm(r);
    expect(r.fsm.state).to.equal('OpenConfirm');
    expect(r.fsm.runningTimers()).to.deep.equal(['hold', 'keepalive']);
    r.clock.advance(30_000);
    expect(t.sentTypes()).to.deep.equal(['KEEPALIVE']);
  });

  const openErrors: [string, Uint8Array, string, Partial<FsmConfig>?][] = [
    ['a peer in the wrong AS → Bad Peer AS', peerOpen({ myAs: 65000, capabilities: [] }), 'NOTIFICATION 2/2'],
    ['hold time 1 → Unacceptable Hold Time', peerOpen({ holdTime: 1 }), 'NOTIFICATION 2/6'],
    ['version 3 → Unsupported Version Number', rawMessage(1, '03 fc00 005a 0a000002 00'), 'NOTIFICATION 2/1'],
    ['our own BGP Identifier inside the AS → Bad BGP Identifier', peerOpen({ bgpId: ipv4('10.0.0.1') }), 'NOTIFICATION 2/3'],
    ['an unknown optional parameter → Unsupported Optional Parameter', rawMessage(1, '04 fc00 005a 0a000002 03 07 01 00'), 'NOTIFICATION 2/4'],
    ['a required capability missing → Unsupported Capability', peerOpen({ capabilities: [] }), 'NOTIFICATION 2/7', { requiredCapabilities: [{ type: 'four-octet-as', asn: AS }] }],
    ['a bad marker → Connection Not Synchronized', hex('00'.repeat(16) + '0013 04'), 'NOTIFICATION 1/1'],
    ['a bad length → Bad Message Length', hex('ff'.repeat(16) + '0005 04'), 'NOTIFICATION 1/2'],
    ['KEEPALIVE before OPEN → FSM Error (unexpected in OpenSent)', encodeKeepalive(), 'NOTIFICATION 5/1'],
    ['UPDATE before OPEN → FSM Error (unexpected in OpenSent)', rawUpdate({}), 'NOTIFICATION 5/1'],
    ['ROUTE-REFRESH before OPEN → FSM Error', encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 }), 'NOTIFICATION 5/1'],
  ];
  for (const [name, bytes, notification, config] of openErrors) {
    it(`${name}: NOTIFICATION sent, connection closed, Idle, ConnectRetryCounter 1`, () => {
      const r = rig(config);
      const t = toOpenSent(r);
      t.deliver(bytes);
      expect([t.sentTypes(), t.closed, r.fsm.state, r.fsm.connectRetryCounter]).to.deep.equal([[notification], true, 'Idle', 1]);
      expect(r.fsm.runningTimers()).to.deep.equal([]);
    });
  }

  it('the NOTIFICATION data says what was wrong (Unsupported Version: our version 4)', () => {
    const r = rig();
    const t = toOpenSent(r);
    t.deliver(rawMessage(1, '03 fc00 005a 0a000002 00'));
    const [n] = t.sent();
    expect(n?.type === 'NOTIFICATION' && Buffer.from(n.data).toString('hex')).to.equal('0004');
  });

  it('HoldTimer_Expires (no OPEN in 4 minutes) → Hold Timer Expired', () => {
    const r = rig();
    const t = toOpenSent(r);
    r.clock.advance(240_000);
    expect([t.sentTypes(), r.fsm.state, r.fsm.lastError]).to.deep.equal([['NOTIFICATION 4/0'], 'Idle', 'Error: Hold Timer Expired']);
  });

  it('TcpConnectionFails → Active with the retry timer', () => {
    const r = rig();
    const t = toOpenSent(r);
    t.drop(new Error('read ECONNRESET'));
    expect([r.fsm.state, r.fsm.runningTimers()]).to.deep.equal(['Active', ['connectRetry']]);
  });

  it('a NOTIFICATION from the peer → Idle without answering it', () => {
    const r = rig();
    const t = toOpenSent(r);
    t.deliver(encodeNotification({ code: 6, subcode: 5, data: new Uint8Array(0) }));
    expect([t.sentTypes(), r.fsm.state, r.fsm.lastError, r.fsm.connectRetryCounter]).to.deep.equal([[], 'Idle', 'Received: Cease / Connection Rejected', 1]);
  });

  it('a version-error NOTIFICATION (event 24) → Idle without counting an error', () => {
    const r = rig();
    const t = toOpenSent(r);
    t.deliver(encodeNotification({ code: 2, subcode: 1, data: hex('0003') }));
    expect([r.fsm.state, r.fsm.connectRetryCounter]).to.deep.equal(['Idle', 0]);
  });

  it('ManualStop → Cease / Administrative Shutdown', () => {
    const r = rig();
    const t = toOpenSent(r);
    r.fsm.handle({ type: 'ManualStop' });
    expect([t.sentTypes(), r.fsm.state, r.fsm.connectRetryCounter]).to.deep.equal([['NOTIFICATION 6/2'], 'Idle', 0]);
  });

  it('OPEN and KEEPALIVE in one TCP chunk go straight to Established', () => {
    const r = rig();
    const t = toOpenSent(r);
    t.deliver(peerOpen(), encodeKeepalive());
    expect(r.fsm.state).to.equal('Established');
  });
});

