/** The RFC 4271 §8 FSM from OpenConfirm on: Established sessions, timers, errors → NOTIFICATION. */
import { expect } from 'chai';
import { type Capability, encodeKeepalive, encodeNotification, encodeRouteRefresh, encodeUpdate, parsePrefix } from '../../src/bgp/codec/index.js';
import { defaultCapabilities } from '../../src/bgp/fsm/index.js';
import { ipv4 } from '../../src/net/addr.js';
import { peerOpen, rig, toEstablished, toOpenConfirm } from './fsm-rig.js';
import { BASE_ATTRS, rawMessage, rawUpdate } from './support.js';

describe('bgp fsm: OpenConfirm', () => {
  it('KEEPALIVE → Established with the negotiated session', () => {
    const r = rig();
    toEstablished(r);
    expect(r.sessions).to.have.length(1);
    const { peerOpen: _p, ...s } = r.sessions[0]!;
    expect(s).to.deep.equal({ holdTime: 90, keepaliveMs: 30_000, as4: true, routeRefresh: true, ipv4Unicast: true, localAddress: '10.0.0.1', remoteAddress: '10.0.0.2' });
    expect(r.log).to.deep.equal(['Idle->Connect on ManualStart', 'Connect->OpenSent on Tcp_CR_Acked', 'OpenSent->OpenConfirm on BGPOpen', 'OpenConfirm->Established on KeepAliveMsg']);
  });

  it('a peer without capabilities: 2-octet AS, no route refresh, IPv4 unicast implied', () => {
    const r = rig();
    toEstablished(r, peerOpen({ capabilities: [] }));
    expect([r.sessions[0]!.as4, r.sessions[0]!.routeRefresh, r.sessions[0]!.ipv4Unicast]).to.deep.equal([false, false, true]);
  });

  it('HoldTimer_Expires → Hold Timer Expired', () => {
    const r = rig();
    const t = toOpenConfirm(r);
    r.clock.advance(90_000);
    expect(t.sentTypes().at(-1)).to.equal('NOTIFICATION 4/0');
    expect(r.fsm.state).to.equal('Idle');
  });

  it('UPDATE or a second OPEN → FSM Error (unexpected in OpenConfirm)', () => {
    for (const msg of [rawUpdate({}), peerOpen()]) {
      const r = rig();
      const t = toOpenConfirm(r);
      t.deliver(msg);
      expect([t.sentTypes(), r.fsm.state]).to.deep.equal([['NOTIFICATION 5/2'], 'Idle']);
    }
  });

  it('TcpConnectionFails → Idle', () => {
    const r = rig();
    const t = toOpenConfirm(r);
    t.drop();
    expect(r.fsm.state).to.equal('Idle');
  });

  it('OpenCollisionDump → Cease / Connection Collision Resolution', () => {
    const r = rig();
    const t = toOpenConfirm(r);
    r.fsm.handle({ type: 'OpenCollisionDump' });
    expect([t.sentTypes(), r.fsm.state]).to.deep.equal([['NOTIFICATION 6/7'], 'Idle']);
  });
});

describe('bgp fsm: Established', () => {
  const update = encodeUpdate({ withdrawn: [], nlri: [parsePrefix('192.168.1.0/26')], attributes: { origin: 0, asPath: [], nextHop: ipv4('10.0.0.2'), localPref: 100 } }, { as4: true });

  it('UPDATE is handed up and restarts the HoldTimer', () => {
    const r = rig();
    const t = toEstablished(r);
    r.clock.advance(80_000);
    t.deliver(update);
    r.clock.advance(80_000);
    expect(r.fsm.state).to.equal('Established');
    expect(r.updates).to.have.length(1);
  });

  it('KEEPALIVEs keep it up for an hour; silence ends it after the hold time with Hold Timer Expired', () => {
    const r = rig();
    const t = toEstablished(r);
    for (let i = 0; i < 60; i++) {
      r.clock.advance(60_000);
      t.deliver(encodeKeepalive());
    }
    expect(r.fsm.state).to.equal('Established');
    t.sent();
    r.clock.advance(90_000);
    expect(t.sentTypes().at(-1)).to.equal('NOTIFICATION 4/0');
    expect([r.fsm.state, r.log.at(-1)]).to.deep.equal(['Idle', 'down: Error: Hold Timer Expired']);
  });

  it('sends a KEEPALIVE every keepalive interval; sending an UPDATE restarts that timer', () => {
    const r = rig();
    const t = toEstablished(r);
    r.clock.advance(30_000);
    expect(t.sentTypes()).to.deep.equal(['KEEPALIVE']);
    r.clock.advance(20_000);
    r.fsm.send([update]);
    r.clock.advance(20_000);
    expect(t.sentTypes()).to.deep.equal(['UPDATE']);
    r.clock.advance(10_000);
    expect(t.sentTypes()).to.deep.equal(['KEEPALIVE']);
  });

  it('hold time 0 on either side: no KEEPALIVEs, no hold timer', () => {
    const r = rig();
    const t = toEstablished(r, peerOpen({ holdTime: 0 }));
    r.clock.advance(3_600_000);
    expect([t.sentTypes(), r.fsm.state, r.fsm.runningTimers()]).to.deep.equal([[], 'Established', []]);
  });

  it('a configured keepalive time shorter than a third of the hold time is used', () => {
    const r = rig({ keepaliveTime: 10 });
    const t = toEstablished(r);
    r.clock.advance(10_000);
    expect(t.sentTypes()).to.deep.equal(['KEEPALIVE']);
  });

  const sessionErrors: [string, Uint8Array, string][] = [
    ['an NLRI prefix /33 → Invalid Network Field', rawUpdate({ attrs: BASE_ATTRS, nlri: '21 0a000001 00' }), 'NOTIFICATION 3/10'],
    ['an unrecognized well-known attribute', rawUpdate({ attrs: BASE_ATTRS + '40 63 00', nlri: '08 0a' }), 'NOTIFICATION 3/2'],
    ['an attribute length overrunning the message', rawUpdate({ attrs: '400101', attrLen: 40 }), 'NOTIFICATION 3/1'],
    ['a message type 9 → Bad Message Type', rawMessage(9, ''), 'NOTIFICATION 1/3'],
    ['an OPEN → FSM Error (unexpected in Established)', peerOpen(), 'NOTIFICATION 5/3'],
    ['a BoRR of bad length → ROUTE-REFRESH Message Error', rawMessage(5, '0001 01 01 00'), 'NOTIFICATION 7/1'],
  ];
  for (const [name, bytes, notification] of sessionErrors) {
    it(`${name}: NOTIFICATION, session down, routes dropped`, () => {
      const r = rig();
      const t = toEstablished(r);
      t.deliver(bytes);
      expect([t.sentTypes(), t.closed, r.fsm.state]).to.deep.equal([[notification], true, 'Idle']);
      expect(r.log.at(-1)).to.match(/^down: Error: /);
    });
  }

  it('with RFC 4271 error handling an invalid ORIGIN resets the session too', () => {
    const r = rig({ revisedErrorHandling: false });
    const t = toEstablished(r);
    t.deliver(rawUpdate({ attrs: '40 01 01 07 40 02 00 40 03 04 0a000002', nlri: '08 0a' }));
    expect(t.sentTypes()).to.deep.equal(['NOTIFICATION 3/6']);
  });

  it('treat-as-withdraw (RFC 7606): the session stays up and the UPDATE is handed up with its errors', () => {
    const r = rig();
    const t = toEstablished(r);
    t.deliver(rawUpdate({ attrs: '40 01 01 07 40 02 00 40 03 04 0a000002', nlri: '08 0a' }));
    expect([t.sentTypes(), r.fsm.state]).to.deep.equal([[], 'Established']);
    expect((r.updates[0] as { errors: unknown[] }).errors).to.have.length(1);
  });

  it('UPDATEs are decoded with the negotiated AS width (2-octet peer)', () => {
    const r = rig();
    const t = toEstablished(r, peerOpen({ capabilities: [] }));
    t.deliver(rawUpdate({ attrs: '40 01 01 00 40 02 04 02 01 fde8 40 03 04 0a000002', nlri: '08 0a' }));
    expect((r.updates[0] as { attributes: { asPath: unknown } }).attributes.asPath).to.deep.equal([{ type: 2, asns: [65000] }]);
  });

  it('a NOTIFICATION from the peer → down with the reason', () => {
    const r = rig();
    const t = toEstablished(r);
    t.deliver(encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) }));
    expect(r.log.at(-1)).to.equal('down: Received: Cease / Administrative Shutdown');
  });

  it('ROUTE-REFRESH is handed up', () => {
    const refreshes: unknown[] = [];
    const r = rig({}, { routeRefresh: (m) => refreshes.push(m) });
    const t = toEstablished(r);
    t.deliver(encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 }));
    expect(refreshes).to.deep.equal([{ type: 'ROUTE-REFRESH', afi: 1, subtype: 0, safi: 1 }]);
  });

  it('TCP closed by the peer → down', () => {
    const r = rig();
    const t = toEstablished(r);
    t.drop();
    expect([r.fsm.state, r.log.at(-1)]).to.deep.equal(['Idle', 'down: Socket: connection closed']);
  });

  it('ManualStop → Cease / Administrative Shutdown, down', () => {
    const r = rig();
    const t = toEstablished(r);
    r.fsm.handle({ type: 'ManualStop' });
    expect([t.sentTypes(), r.log.at(-1)]).to.deep.equal([['NOTIFICATION 6/2'], 'down: stopped']);
  });

  it('ManualStop with Peer De-configured', () => {
    const r = rig();
    const t = toEstablished(r);
    r.fsm.handle({ type: 'ManualStop', subcode: 3 });
    expect(t.sentTypes()).to.deep.equal(['NOTIFICATION 6/3']);
  });

  it('requestRefresh sends ROUTE-REFRESH for IPv4 unicast', () => {
    const r = rig();
    const t = toEstablished(r);
    r.fsm.requestRefresh();
    expect(t.sent()).to.deep.equal([{ type: 'ROUTE-REFRESH', afi: 1, subtype: 0, safi: 1 }]);
  });
});

describe('bgp fsm: capabilities we send', () => {
  it('a 4-octet AS goes as AS_TRANS plus the capability', () => {
    const caps: Capability[] = defaultCapabilities(4200000000);
    const r = rig({ localAs: 4200000000, capabilities: caps });
    r.fsm.handle({ type: 'ManualStart' });
    const t = r.connector.succeed();
    const [open] = t.sent();
    expect(open?.type === 'OPEN' && [open.myAs, open.capabilities]).to.deep.equal([23456, caps]);
  });
});
