/**
 * BGP over kemu's TCP: two speakers in two namespaces joined by a veth pair reach Established over
 * port 179 of the emulated stack, exchange routes, refuse a speaker that is not a configured peer,
 * and lose the session (and its routes) when the link dies and the hold timer expires.
 */
import { expect } from 'chai';
import { BgpSpeaker, type RouteChange } from '../../../src/bgp/index.js';
import { BGP_PORT, TcpTransport, bgpTimers, listenBgp, tcpConnector } from '../../../src/cni/calico/index.js';
import { NetNamespace, VethPair } from '../../../src/dataplane/stack/index.js';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { waitFor } from './support.js';

describe('cni/calico: BGP over kemu TCP', function () {
  this.timeout(10_000);
  const clock = new RealClock();
  const t = bgpTimers(clock, { holdTimeMs: 3_000, keepaliveTimeMs: 1_000, connectRetryTimeMs: 1_000, speed: 3 }); // hold 1 s real
  let a: NetNamespace;
  let b: NetNamespace;
  let pair: VethPair;
  const speakers: BgpSpeaker[] = [];
  const listeners: Array<{ close(): void }> = [];

  function speaker(ns: NetNamespace, address: string, routes: RouteChange[]): BgpSpeaker {
    const s = new BgpSpeaker({
      asn: 64512, routerId: address, listenAddress: address, holdTime: t.holdTime, keepaliveTime: t.keepaliveTime, connectRetryMs: t.connectRetryMs,
      errorWaitMs: t.errorWaitMs, clock: t.clock, connector: tcpConnector(ns), onRoutes: (c) => routes.push(...c),
    });
    listeners.push(listenBgp(ns, { address }, (tr) => s.accept(tr)));
    speakers.push(s);
    return s;
  }

  beforeEach(() => {
    a = new NetNamespace({ name: 'a', clock, ipForward: true });
    b = new NetNamespace({ name: 'b', clock, ipForward: true });
    pair = new VethPair('eth0', 'eth0');
    a.addDevice(pair.a);
    b.addDevice(pair.b);
    a.addAddress(pair.a, '10.0.0.1/24');
    b.addAddress(pair.b, '10.0.0.2/24');
  });

  afterEach(async () => {
    for (const s of speakers.splice(0)) await s.close();
    for (const l of listeners.splice(0)) l.close();
    TcpLayer.of(a).close();
    TcpLayer.of(b).close();
  });

  it('establishes a session on port 179 of the emulated stack and exchanges routes', async () => {
    const learnedA: RouteChange[] = [];
    const learnedB: RouteChange[] = [];
    const sa = speaker(a, '10.0.0.1', learnedA);
    const sb = speaker(b, '10.0.0.2', learnedB);
    sa.addPeer({ address: '10.0.0.2', asn: 64512, passive: true });
    sb.addPeer({ address: '10.0.0.1', asn: 64512 });
    sa.announce('192.168.0.0/26');
    await waitFor(() => sa.status()[0]?.state === 'up' && sb.status()[0]?.state === 'up', 'Established');
    await waitFor(() => learnedB.length === 1, 'route on b');
    expect(learnedB).to.deep.equal([{ type: 'add', prefix: '192.168.0.0/26', nextHop: '10.0.0.1' }]);
    const stats = TcpLayer.of(a).stats();
    expect([stats.passiveOpens, stats.activeOpens, stats.connections.ESTABLISHED]).to.deep.equal([1, 0, 1]);
    expect(listeners[0]).to.deep.include({ address: '10.0.0.1', port: BGP_PORT });
  });

  it('refuses a speaker that is not a configured peer (Cease / Connection Rejected)', async () => {
    speaker(a, '10.0.0.1', []); // listens, but has no peer configured
    const sb = speaker(b, '10.0.0.2', []);
    sb.addPeer({ address: '10.0.0.1', asn: 64512 });
    await waitFor(() => sb.status()[0]!.info === 'Idle Received: Cease / Connection Rejected', 'Cease / Connection Rejected');
    expect(sb.status()[0]!.state).to.not.equal('up');
    expect(TcpLayer.of(a).stats().passiveOpens).to.be.greaterThan(0);
  });

  it('drops the session and its routes when the link dies (hold timer)', async () => {
    const learnedB: RouteChange[] = [];
    const sa = speaker(a, '10.0.0.1', []);
    const sb = speaker(b, '10.0.0.2', learnedB);
    sa.addPeer({ address: '10.0.0.2', asn: 64512, passive: true });
    sb.addPeer({ address: '10.0.0.1', asn: 64512 });
    sa.announce('192.168.0.0/26');
    await waitFor(() => learnedB.length === 1, 'route on b');
    const down = Date.now();
    pair.a.up = false; // the cable is cut: nothing more crosses, no NOTIFICATION either
    await waitFor(() => learnedB.length === 2, 'route withdrawn', 4000);
    expect(learnedB[1]).to.deep.equal({ type: 'remove', prefix: '192.168.0.0/26', nextHop: '10.0.0.1' });
    expect(Date.now() - down).to.be.within(600, 3000);
    expect(sb.status()[0]!.state).to.not.equal('up');
  });

  it('wraps a TcpSocket: early data is kept until handlers attach, close flushes', async () => {
    const server = TcpLayer.of(a).listen(1790, { address: '10.0.0.1' });
    const got: string[] = [];
    const accepted = new Promise<TcpTransport>((resolve) => server.on('connection', (s) => resolve(new TcpTransport(s))));
    const client = TcpLayer.of(b).connect({ host: '10.0.0.1', port: 1790 });
    await new Promise((r) => client.once('connect', r));
    client.write(Buffer.from('hello'));
    const tr = await accepted;
    await new Promise((r) => setTimeout(r, 20));
    let closed = false;
    tr.setHandlers({ data: (c) => got.push(Buffer.from(c).toString()), closed: () => (closed = true) });
    expect(got.join('')).to.equal('hello');
    expect([tr.remoteAddress, tr.localAddress, tr.localPort]).to.deep.equal(['10.0.0.2', '10.0.0.1', 1790]);
    client.end();
    await waitFor(() => closed, 'closed by the peer');
    tr.close();
    server.close();
  });
});
