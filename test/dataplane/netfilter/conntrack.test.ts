import { expect } from 'chai';
import { Conntrack, DIR_ORIGINAL, DIR_REPLY, Netfilter, type Tuple } from '../../../src/dataplane/netfilter/index.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, ipv4 } from '../../../src/net/index.js';
import { ack, tcp, udp, view } from './helpers.js';

const T0 = 5_000_000;
const S = 1000;
const t = (proto: number, sport = 40000, dport = 53): Tuple => ({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), proto, sport, dport });
const rev = (x: Tuple): Tuple => ({ src: x.dst, dst: x.src, proto: x.proto, sport: x.dport, dport: x.sport });

/** Creates and confirms an entry for a first packet, as the hooks do. */
function open(ct: Conntrack, tuple: Tuple, now = T0, flags = 0): ReturnType<Conntrack['create']> {
  const e = ct.create(tuple, flags, 60, now);
  return e && ct.confirm(e, now);
}

describe('netfilter/conntrack', () => {
  it('finds an entry from either direction with one lookup each', () => {
    const ct = new Conntrack();
    const e = open(ct, t(IPPROTO_UDP))!;
    expect(ct.find(t(IPPROTO_UDP), T0)).to.equal(e);
    expect(ct.find(rev(t(IPPROTO_UDP)), T0)).to.equal(e);
    expect(ct.find(t(IPPROTO_UDP, 40001), T0)).to.equal(undefined);
    expect(ct.size).to.equal(1);
  });

  describe('timeouts (Linux defaults)', () => {
    it('UDP: 30 s unreplied, still 30 s after the first reply, 120 s once a stream (assured)', () => {
      const ct = new Conntrack();
      const e = open(ct, t(IPPROTO_UDP))!;
      expect(e.expires - T0).to.equal(30 * S);
      ct.track(e, DIR_REPLY, 0, 60, T0 + S);
      expect([e.expires - (T0 + S), e.assured]).to.deep.equal([30 * S, false]);
      ct.track(e, DIR_ORIGINAL, 0, 60, T0 + 2 * S);
      expect([e.expires - (T0 + 2 * S), e.assured]).to.deep.equal([120 * S, true]);
      expect(ct.find(t(IPPROTO_UDP), T0 + 121 * S)).to.equal(e);
      expect(ct.find(t(IPPROTO_UDP), T0 + 122 * S)).to.equal(undefined); // expired on access
      expect(ct.size).to.equal(0);
    });

    it('are configurable (the topology conntrackUDPTimeout) and expire on access', () => {
      const ct = new Conntrack({ timeouts: { udp: 5 } });
      open(ct, t(IPPROTO_UDP));
      expect(ct.find(t(IPPROTO_UDP), T0 + 4999)).to.not.equal(undefined);
      expect(ct.find(t(IPPROTO_UDP), T0 + 5000)).to.equal(undefined);
      expect(ct.stats.expired).to.equal(1);
    });

    const tcpCases: Array<[string, number[][], number]> = [
      ['SYN_SENT after a SYN', [[DIR_ORIGINAL, TCP_SYN]], 120],
      ['SYN_RECV after the SYN/ACK', [[DIR_ORIGINAL, TCP_SYN], [DIR_REPLY, TCP_SYN | TCP_ACK]], 60],
      ['ESTABLISHED (5 days) after the handshake', [[DIR_ORIGINAL, TCP_SYN], [DIR_REPLY, TCP_SYN | TCP_ACK], [DIR_ORIGINAL, TCP_ACK]], 432000],
      ['CLOSE (10 s) after a RST', [[DIR_ORIGINAL, TCP_SYN], [DIR_REPLY, TCP_RST | TCP_ACK]], 10],
      ['TIME_WAIT after both FINs', [[DIR_ORIGINAL, TCP_SYN], [DIR_REPLY, TCP_SYN | TCP_ACK], [DIR_ORIGINAL, TCP_ACK],
        [DIR_ORIGINAL, TCP_FIN | TCP_ACK], [DIR_REPLY, TCP_FIN | TCP_ACK], [DIR_ORIGINAL, TCP_ACK]], 120],
    ];
    for (const [name, segments, seconds] of tcpCases) {
      it(`TCP: ${name} = ${seconds} s`, () => {
        const ct = new Conntrack();
        const [[, firstFlags], ...rest] = segments as [[number, number], ...number[][]];
        const e = open(ct, t(IPPROTO_TCP), T0, firstFlags)!;
        for (const [dir, flags] of rest) expect(ct.track(e, dir as 0 | 1, flags!, 60, T0)).to.equal('ok');
        expect(e.expires - T0).to.equal(seconds * S);
      });
    }

    it('ICMP echo: 30 s', () => {
      const ct = new Conntrack();
      expect(open(ct, { ...t(IPPROTO_ICMP, 7, 8) })!.expires - T0).to.equal(30 * S);
    });
  });

  it('gc(now) sweeps expired entries', () => {
    const ct = new Conntrack();
    open(ct, t(IPPROTO_UDP, 1));
    open(ct, t(IPPROTO_UDP, 2), T0 + 20 * S);
    open(ct, t(IPPROTO_TCP, 3), T0, TCP_SYN);
    expect(ct.gc(T0 + 31 * S)).to.equal(1);
    expect(ct.gc(T0 + 51 * S)).to.equal(1);
    expect(ct.size).to.equal(1);
    expect(ct.gc(T0 + 121 * S)).to.equal(1);
    expect(ct.size).to.equal(0);
  });

  it('refuses to start connections with packets that cannot (ctstate INVALID), picks up mid-stream ACKs', () => {
    const ct = new Conntrack();
    expect(ct.create(t(IPPROTO_TCP), TCP_FIN | TCP_ACK, 40, T0)).to.equal(undefined);
    expect(ct.create(t(IPPROTO_TCP), TCP_RST, 40, T0)).to.equal(undefined);
    expect(ct.create(t(IPPROTO_TCP), TCP_SYN | TCP_ACK, 40, T0)).to.equal(undefined);
    expect(ct.create(t(IPPROTO_ICMP, 7, 0), 0, 40, T0)).to.equal(undefined); // an echo reply
    expect(ct.create(t(IPPROTO_TCP), TCP_ACK, 40, T0)?.tcpStateName).to.equal('ESTABLISHED');
    expect(ct.stats.invalid).to.equal(4);
  });

  it('drops INVALID packets with kube-proxy\'s "--ctstate INVALID -j DROP"', () => {
    const nf = new Netfilter();
    nf.ruleset.append('filter', 'FORWARD', '-m conntrack --ctstate INVALID -j DROP');
    const v = view(tcp('10.244.1.2', 1000, '10.244.2.2', 80, TCP_FIN), { inIface: 'cni0' });
    expect(nf.run('PREROUTING', v, T0)).to.equal('accept');
    expect(nf.evaluate('FORWARD', v, T0)).to.deep.equal({ verdict: 'drop', reason: 'rule', table: 'filter', chain: 'FORWARD' });
    const fine = view(ack('10.244.1.2', 1001, '10.244.2.2', 80), { inIface: 'cni0' });
    nf.run('PREROUTING', fine, T0);
    expect(nf.run('FORWARD', fine, T0)).to.equal('accept');
  });

  it('reopens a closed TCP connection on a new SYN, so NAT rules are consulted afresh', () => {
    const nf = new Netfilter();
    nf.ruleset.append('nat', 'PREROUTING', '-d 10.96.0.1/32 -p tcp --dport 80 -j DNAT --to-destination 10.244.2.2:80');
    const walk = (p: Uint8Array): void => {
      const v = view(p, { inIface: 'x', outIface: 'y' });
      for (const s of ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const) nf.run(s, v, T0);
    };
    walk(tcp('10.244.1.2', 1000, '10.96.0.1', 80, TCP_SYN));
    walk(tcp('10.244.2.2', 80, '10.244.1.2', 1000, TCP_RST | TCP_ACK, 0, 1001));
    const [closed] = [...nf.conntrack.entries()];
    expect(closed!.tcpStateName).to.equal('CLOSE');
    nf.ruleset.apply('nat', (e) => e.flush('PREROUTING'));
    nf.ruleset.append('nat', 'PREROUTING', '-d 10.96.0.1/32 -p tcp --dport 80 -j DNAT --to-destination 10.244.2.3:80');
    const syn = tcp('10.244.1.2', 1000, '10.96.0.1', 80, TCP_SYN);
    walk(syn);
    const [fresh] = [...nf.conntrack.entries()];
    expect(fresh!.id).to.not.equal(closed!.id);
    expect(fresh!.tcpStateName).to.equal('SYN_SENT');
    expect([syn[16], syn[17], syn[18], syn[19]]).to.deep.equal([10, 244, 2, 3]);
  });

  describe('flush', () => {
    function serviceNode(): Netfilter {
      const nf = new Netfilter({ random: () => 0 });
      nf.ruleset.append('nat', 'PREROUTING', '-s 10.244.1.2/32 -d 10.96.0.10/32 -p udp --dport 53 -j DNAT --to-destination 10.244.2.5:53');
      nf.ruleset.append('nat', 'PREROUTING', '-d 10.96.0.10/32 -p udp --dport 53 -j DNAT --to-destination 10.244.3.5:53');
      nf.ruleset.append('nat', 'PREROUTING', '-d 10.96.0.11/32 -p udp --dport 53 -j DNAT --to-destination 10.244.2.5:53');
      for (const [client, vip] of [['10.244.1.2', '10.96.0.10'], ['10.244.1.3', '10.96.0.10'], ['10.244.1.3', '10.96.0.11']]) {
        const v = view(udp(client!, 5353, vip!, 53), { inIface: 'cni0', outIface: 'eth0' });
        for (const s of ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const) nf.run(s, v, T0);
      }
      return nf;
    }

    it('deletes UDP entries of a removed endpoint: conntrack -D -p udp --orig-dst VIP --dst-nat ENDPOINT', () => {
      const nf = serviceNode();
      expect(nf.conntrack.size).to.equal(3);
      const n = nf.conntrack.flush({ protocol: IPPROTO_UDP, origDst: ipv4('10.96.0.10'), dstNat: ipv4('10.244.2.5') });
      expect(n).to.equal(1);
      expect(nf.conntrack.list(T0).map((l) => l.split(' ').filter((w) => w.startsWith('dst='))[0])).to.deep.equal(['dst=10.96.0.10', 'dst=10.96.0.11']);
      expect(nf.conntrack.flush({ protocol: IPPROTO_TCP })).to.equal(0);
      expect(nf.conntrack.flush({ dstNat: true })).to.equal(2);
      expect(nf.conntrack.flush()).to.equal(0);
    });

    it('filters by original source and port too, and flushing everything empties the table', () => {
      const nf = serviceNode();
      expect(nf.conntrack.flush({ origSrc: ipv4('10.244.1.3'), origDport: 53, replySrc: ipv4('10.244.2.5') })).to.equal(1);
      expect(nf.conntrack.flush()).to.equal(2);
      expect(nf.conntrack.size).to.equal(0);
    });
  });

  it('lists entries like conntrack -L, with [UNREPLIED] and [ASSURED]', () => {
    const ct = new Conntrack();
    const e = open(ct, t(IPPROTO_TCP, 40000, 80), T0, TCP_SYN)!;
    expect(ct.list(T0 + 500)).to.deep.equal([
      'tcp      6 119 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 packets=1 bytes=60 [UNREPLIED] ' +
      'src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 packets=0 bytes=0 mark=0 use=1',
    ]);
    ct.track(e, DIR_REPLY, TCP_SYN | TCP_ACK, 60, T0);
    ct.track(e, DIR_ORIGINAL, TCP_ACK, 52, T0);
    expect(ct.list(T0)[0]).to.equal(
      'tcp      6 432000 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 packets=2 bytes=112 ' +
      'src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 packets=1 bytes=60 [ASSURED] mark=0 use=1');
    expect(ct.list(T0, { protocol: IPPROTO_UDP })).to.deep.equal([]);
  });

  describe('table size limit', () => {
    it('early-drops the oldest unassured entry when full', () => {
      const ct = new Conntrack({ max: 3 });
      const a = open(ct, t(IPPROTO_UDP, 1))!;
      const b = open(ct, t(IPPROTO_UDP, 2))!;
      const c = open(ct, t(IPPROTO_TCP, 3), T0, TCP_SYN)!;
      // a becomes assured (a stream), so b is now the oldest unassured one.
      ct.track(a, DIR_REPLY, 0, 10, T0);
      ct.track(a, DIR_ORIGINAL, 0, 10, T0);
      expect(open(ct, t(IPPROTO_UDP, 4))).to.not.equal(undefined);
      expect([...ct.entries()]).to.have.members([a, c, ct.find(t(IPPROTO_UDP, 4), T0)]);
      expect(ct.find(t(IPPROTO_UDP, 2), T0)).to.equal(undefined);
      expect(b.confirmed).to.equal(false);
      expect(ct.stats.earlyDrop).to.equal(1);
    });

    it('drops the new connection when every entry is assured', () => {
      const ct = new Conntrack({ max: 1 });
      const a = open(ct, t(IPPROTO_UDP, 1))!;
      ct.track(a, DIR_REPLY, 0, 10, T0);
      ct.track(a, DIR_ORIGINAL, 0, 10, T0);
      expect(open(ct, t(IPPROTO_UDP, 2))).to.equal(undefined);
      expect(ct.stats.drop).to.equal(1);
    });
  });

  it('resolves a confirm clash: an identical binding is adopted, a different one fails', () => {
    const ct = new Conntrack();
    const first = ct.create(t(IPPROTO_UDP), 0, 10, T0)!;
    const twin = ct.create(t(IPPROTO_UDP), 0, 10, T0)!;
    const other = ct.create(t(IPPROTO_UDP), 0, 10, T0)!;
    ct.setReply(other, { ...rev(t(IPPROTO_UDP)), src: ipv4('10.9.9.9') });
    expect(ct.confirm(first, T0)).to.equal(first);
    expect(ct.confirm(twin, T0)).to.equal(first);
    expect(first.packets[0]).to.equal(2);
    expect(ct.confirm(other, T0)).to.equal(undefined);
    expect(ct.stats.insertFailed).to.equal(1);
  });
});
