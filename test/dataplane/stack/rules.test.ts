import { expect } from 'chai';
import { IPPROTO_UDP } from '../../../src/net/index.js';
import { RoutingTable, formatRule } from '../../../src/dataplane/stack/index.js';
import { MemorySegment, capture, expectNoInternalErrors, hostOn, ipv4Frames, newClock } from './support.js';

/**
 * gateway g (172.18.0.1) and two hosts n1 (.2), n2 (.3) on one segment; both hosts carry the VIP
 * 172.18.255.1 (as kube-ipvs0 would), so whichever gets a packet for it answers. The main table of g
 * routes the VIP via n1; rules pin single flows to n2.
 */
function lab() {
  const clock = newClock();
  const seg = new MemorySegment();
  const g = hostOn(seg, clock, 'g', '172.18.0.1/24');
  const n1 = hostOn(seg, clock, 'n1', '172.18.0.2/24');
  const n2 = hostOn(seg, clock, 'n2', '172.18.0.3/24');
  for (const n of [n1, n2]) {
    n.ns.addAddress(n.ns.lo, '172.18.255.1/32');
    n.ns.routes.add({ dst: 'default', via: '172.18.0.1' });
    const s = n.ns.udp.bind(80, '172.18.255.1');
    s.onMessage((_p, info) => s.send(info.srcIp, info.srcPort, new TextEncoder().encode(n.ns.name)));
  }
  g.ns.routes.add({ dst: '172.18.255.1/32', via: '172.18.0.2' });
  const viaN2 = new RoutingTable('via-n2', g.ns);
  viaN2.add({ dst: 'default', via: '172.18.0.3', dev: 'eth0', onlink: true });
  /** Who answers a datagram from g's port `sport` to the VIP. */
  const ask = (sport: number): string => {
    const s = g.ns.udp.bind(sport);
    let answer = '';
    s.onMessage((p) => (answer = new TextDecoder().decode(p)));
    s.send('172.18.255.1', 80, new Uint8Array([1]));
    s.close();
    return answer;
  };
  return { g, n1, n2, viaN2, ask };
}

describe('dataplane/stack policy routing (ip rule)', () => {
  it('a rule on the flow\'s source port sends that flow by its own table; other flows keep the main route', () => {
    const { g, n1, n2, viaN2, ask } = lab();
    const frames = capture(n2.eth0);
    const rule = g.ns.rules.add({ from: '172.18.0.1', to: '172.18.255.1', ipproto: IPPROTO_UDP, sport: 40001, dport: 80, table: viaN2 });
    expect(ask(40001)).to.equal('n2');
    expect(ask(40002)).to.equal('n1');
    // The pinned datagram reached n2 still addressed to the VIP (only the next hop differs).
    expect(ipv4Frames(frames, 'rx').filter((f) => f.ip.protocol === IPPROTO_UDP).map((f) => f.ip.dst)).to.have.length(1);
    expect(g.ns.rules.delete(rule)).to.equal(true);
    expect(ask(40001)).to.equal('n1');
    expect(g.ns.rules.delete(rule)).to.equal(false);
    expectNoInternalErrors(g.ns, n1.ns, n2.ns);
  });

  it('a rule whose table has no route falls through to the next rule, then to main', () => {
    const { g, viaN2, ask } = lab();
    const empty = new RoutingTable('empty', g.ns);
    g.ns.rules.add({ priority: 100, dport: 80, table: empty });
    expect(ask(40003)).to.equal('n1');
    g.ns.rules.add({ priority: 200, dport: 80, table: viaN2 });
    expect(ask(40003)).to.equal('n2');
  });

  it('rules never divert traffic for the namespace\'s own addresses', () => {
    const { g, viaN2 } = lab();
    g.ns.rules.add({ table: viaN2 }); // everything, were it not for the local table first
    const s = g.ns.udp.bind(7, '172.18.0.1');
    let got = 0;
    s.onMessage(() => got++);
    const onWire = capture(g.eth0);
    const c = g.ns.udp.bind(0);
    c.send('172.18.0.1', 7, new Uint8Array([1]));
    expect(got).to.equal(1);
    expect(ipv4Frames(onWire), 'went through lo, never out of eth0').to.have.length(0);
  });

  it('keeps priority order (ties in insertion order) and prints `ip rule` lines', () => {
    const { g, viaN2 } = lab();
    const a = g.ns.rules.add({ from: '198.51.100.7', to: '172.18.255.1', ipproto: IPPROTO_UDP, sport: 5000, dport: 80, table: viaN2 });
    const b = g.ns.rules.add({ priority: 10, to: '10.0.0.0/8', table: viaN2 });
    const c = g.ns.rules.add({ table: viaN2 });
    expect(a.priority).to.equal(32765);
    expect(c.priority).to.equal(9); // one below the lowest in use, as the kernel picks
    expect(g.ns.rules.list().map(formatRule)).to.deep.equal([
      '9:\tfrom all lookup via-n2',
      '10:\tfrom all to 10.0.0.0/8 lookup via-n2',
      '32765:\tfrom 198.51.100.7 to 172.18.255.1 ipproto udp sport 5000 dport 80 lookup via-n2',
    ]);
    expect(b.priority).to.equal(10);
  });
});
