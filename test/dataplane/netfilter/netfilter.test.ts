import { expect } from 'chai';
import { Netfilter, restore } from '../../../src/dataplane/netfilter/index.js';
import { TCP_ACK, TCP_SYN, ipv4 } from '../../../src/net/index.js';
import type { HookStage, PacketView } from '../../../src/dataplane/types.js';
import { KUBE_PROXY_SAVE } from './kube-proxy-fixture.js';
import { checked, expectChecksumsRecomputed, mulberry32, tcp, udp, view } from './helpers.js';

const T0 = 4_000_000;
const ADDRS: Record<string, string> = { eth0: '10.0.0.1', cni0: '10.244.1.1', 'flannel.1': '10.244.1.0', lo: '10.0.0.1' };

function kubeNode(random: () => number = mulberry32(3)): Netfilter {
  const nf = new Netfilter({
    addressOf: (i) => (ADDRS[i] ? ipv4(ADDRS[i]!) : undefined),
    isLocal: (ip) => Object.values(ADDRS).some((a) => ipv4(a) === ip) || ip >>> 24 === 127,
    random,
  });
  restore(nf.ruleset, KUBE_PROXY_SAVE);
  return nf;
}

function walk(nf: Netfilter, v: PacketView, stages: readonly HookStage[], out: string, now = T0): string {
  for (const s of stages) {
    if (s === 'FORWARD' || s === 'POSTROUTING' || s === 'OUTPUT') v.outIface = out;
    if (nf.run(s, v, now) === 'drop') return `drop@${s}`;
  }
  return 'accept';
}
const FWD = ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const;

describe('netfilter/hooks', () => {
  it('costs nothing and tracks nothing without rules', () => {
    const nf = new Netfilter();
    const v = view(udp('10.244.1.2', 1, '10.244.1.3', 2));
    for (const s of ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const) expect(nf.run(s, v, T0)).to.equal('accept');
    expect(nf.tracking).to.equal(false);
    expect(nf.conntrack.size).to.equal(0);
    expect(nf.engine.stats.rulesEvaluated).to.equal(0);
  });

  it('runs filter rules without conntrack, and turns it on with the first nat rule', () => {
    const nf = new Netfilter();
    nf.ruleset.append('filter', 'FORWARD', '-p udp --dport 9 -j DROP');
    expect(walk(nf, view(udp('1.1.1.1', 1, '2.2.2.2', 9)), FWD, 'eth0')).to.equal('drop@FORWARD');
    expect([nf.tracking, nf.conntrack.size]).to.deep.equal([false, 0]);
    nf.ruleset.append('nat', 'POSTROUTING', '-o eth1 -j ACCEPT');
    expect(walk(nf, view(udp('1.1.1.1', 1, '2.2.2.2', 10)), FWD, 'eth0')).to.equal('accept');
    expect([nf.tracking, nf.conntrack.size]).to.deep.equal([true, 1]);
  });

  it('a built-in chain with policy DROP and no rules drops', () => {
    const nf = new Netfilter();
    nf.ruleset.apply('filter', (e) => e.setPolicy('INPUT', 'DROP'));
    expect(nf.evaluate('INPUT', view(udp('1.1.1.1', 1, '2.2.2.2', 9)), T0)).to.deep.equal({ verdict: 'drop', reason: 'rule', table: 'filter', chain: 'INPUT' });
  });

  describe('kube-proxy rules', () => {
    it('NodePort from outside: DNAT to an endpoint, MASQUERADE by mark, replies un-NATed both ways', () => {
      const nf = kubeNode(() => 0.9); // the dice pick the last endpoint, 10.244.3.7
      const syn = tcp('172.18.0.9', 40000, '10.0.0.1', 30080, TCP_SYN);
      const v = view(syn, { inIface: 'eth0' });
      expect(walk(nf, v, FWD, 'flannel.1')).to.equal('accept');
      const out = checked(syn);
      expect(out).to.deep.include({ src: '10.244.1.0', dst: '10.244.3.7', dport: 8080 }); // masqueraded to flannel.1
      expectChecksumsRecomputed(syn);
      expect(v.mark).to.equal(0); // KUBE-POSTROUTING cleared the masquerade bit with --xor-mark

      const synAck = tcp('10.244.3.7', 8080, '10.244.1.0', out.sport, TCP_SYN | TCP_ACK, 7000, 1001);
      expect(walk(nf, view(synAck, { inIface: 'flannel.1' }), FWD, 'eth0')).to.equal('accept');
      expect(checked(synAck)).to.deep.equal({ src: '10.0.0.1', dst: '172.18.0.9', sport: 30080, dport: 40000 });
      expectChecksumsRecomputed(synAck);

      const ack = tcp('172.18.0.9', 40000, '10.0.0.1', 30080, TCP_ACK, 1001, 7001);
      expect(walk(nf, view(ack, { inIface: 'eth0' }), FWD, 'flannel.1')).to.equal('accept'); // KUBE-FORWARD: ESTABLISHED
      expect(checked(ack)).to.deep.equal(out);
      const [entry] = [...nf.conntrack.entries()];
      expect(entry!.tcpStateName).to.equal('ESTABLISHED');
      expect(nf.recent.entries('KUBE-SEP-WEB3EEEEEEEEEEEE').map((e) => e.addr)).to.deep.equal([ipv4('172.18.0.9')]);
    });

    it('ClusterIP from a local pod: DNAT only; the hairpin to itself is masqueraded', () => {
      let r = 0.9;
      const nf = kubeNode(() => r);
      const q = udp('10.244.1.3', 5353, '10.96.0.10', 53);
      expect(walk(nf, view(q, { inIface: 'cni0' }), FWD, 'flannel.1')).to.equal('accept');
      expect(checked(q)).to.deep.equal({ src: '10.244.1.3', dst: '10.244.2.2', sport: 5353, dport: 53 });
      r = 0.1; // now DNS endpoint 1: the client itself
      const hairpin = udp('10.244.1.2', 5354, '10.96.0.10', 53);
      expect(walk(nf, view(hairpin, { inIface: 'cni0' }), FWD, 'cni0')).to.equal('accept');
      const h = checked(hairpin); // --random-fully: a random source port, even though 5354 was free
      expect(h).to.deep.include({ src: '10.244.1.1', dst: '10.244.1.2', dport: 53 });
      const answer = udp('10.244.1.2', 53, '10.244.1.1', h.sport);
      expect(walk(nf, view(answer, { inIface: 'cni0' }), FWD, 'cni0')).to.equal('accept');
      expect(checked(answer)).to.deep.equal({ src: '10.96.0.10', dst: '10.244.1.2', sport: 53, dport: 5354 });
    });

    it('a service without endpoints is REJECTed, visible through takeRejection', () => {
      const nf = kubeNode();
      const v = view(tcp('10.244.1.3', 40001, '10.96.0.99', 80, TCP_SYN), { inIface: 'cni0' });
      expect(walk(nf, v, FWD, 'eth0')).to.equal('drop@FORWARD');
      expect(nf.takeRejection(v)).to.include({ table: 'filter', chain: 'KUBE-SERVICES', rejectWith: 'icmp-port-unreachable', stage: 'FORWARD' });
      expect(nf.lastRejection?.chain).to.equal('KUBE-SERVICES');
    });

    it('a node process reaching the apiserver ClusterIP on its own node goes through lo and back', () => {
      const nf = kubeNode();
      const syn = tcp('10.0.0.1', 45000, '10.96.0.1', 443, TCP_SYN);
      const v = view(syn);
      expect(walk(nf, v, ['OUTPUT', 'POSTROUTING'], 'lo')).to.equal('accept');
      const sent = checked(syn); // masqueraded (KUBE-MARK-MASQ for a non-pod source) with --random-fully
      expect(sent).to.deep.include({ src: '10.0.0.1', dst: '10.0.0.1', dport: 6443 });
      v.inIface = 'lo';
      expect(walk(nf, v, ['PREROUTING', 'INPUT'], '')).to.equal('accept'); // same skb: the entry is kept
      expect(nf.conntrack.size).to.equal(1);
      const reply = tcp('10.0.0.1', 6443, '10.0.0.1', sent.sport, TCP_SYN | TCP_ACK, 1, 1001);
      const rv = view(reply);
      expect(walk(nf, rv, ['OUTPUT', 'POSTROUTING'], 'lo')).to.equal('accept');
      rv.inIface = 'lo';
      expect(walk(nf, rv, ['PREROUTING', 'INPUT'], '')).to.equal('accept');
      expect(checked(reply)).to.deep.equal({ src: '10.96.0.1', dst: '10.0.0.1', sport: 443, dport: 45000 });
      expect(nf.conntrack.size).to.equal(1);
      expect([...nf.conntrack.entries()][0]!.tcpStateName).to.equal('SYN_RECV');
    });
  });

  it('tracks every packet from the wire even when the stack reuses one view and buffer', () => {
    const nf = new Netfilter({ tracking: 'always' });
    const v = view(udp('10.244.1.2', 7, '10.244.2.2', 9), { inIface: 'eth0' });
    for (let i = 0; i < 3; i++) walk(nf, v, FWD, 'cni0');
    expect([...nf.conntrack.entries()].map((e) => e.packets[0])).to.deep.equal([3]);
    v.inIface = 'lo'; // a looped-back packet keeps its entry instead (Linux: skb->_nfct survives lo)
    walk(nf, v, ['PREROUTING', 'INPUT'], '');
    expect([...nf.conntrack.entries()].map((e) => e.packets[0])).to.deep.equal([3]);
  });

  it('carries the packet mark between tables and stages (MARK in mangle, -m mark in filter)', () => {
    const nf = new Netfilter();
    nf.ruleset.append('mangle', 'PREROUTING', '-i cali+ -j MARK --set-xmark 0x100/0xf00');
    nf.ruleset.append('filter', 'FORWARD', '-m mark --mark 0x100/0xf00 -j DROP');
    const v = view(udp('10.244.1.2', 1, '10.244.2.2', 2), { inIface: 'cali1', mark: 0xf0ff });
    expect(walk(nf, v, FWD, 'eth0')).to.equal('drop@FORWARD');
    expect(v.mark).to.equal(0xf1ff);
  });

  describe('programmatic hooks', () => {
    it('run by priority among the built-in steps, see conntrack, and can drop', () => {
      const nf = new Netfilter();
      const seen: string[] = [];
      nf.addHook('PREROUTING', -250, (_p, ctx) => { seen.push(`early:${ctx.ct?.state ?? '-'}`); return 'accept'; });
      const remove = nf.addHook('PREROUTING', 10, (p, ctx) => {
        seen.push(`late:${ctx.ct?.state}`);
        return p.dstPort === 666 ? 'drop' : 'accept';
      });
      expect(nf.run('PREROUTING', view(udp('1.1.1.1', 1, '2.2.2.2', 2)), T0)).to.equal('accept');
      expect(nf.evaluate('PREROUTING', view(udp('1.1.1.1', 1, '2.2.2.2', 666)), T0)).to.deep.include({ verdict: 'drop', reason: 'hook' });
      expect(seen).to.deep.equal(['early:-', 'late:NEW', 'early:-', 'late:NEW']);
      remove();
      expect(nf.run('PREROUTING', view(udp('1.1.1.1', 1, '2.2.2.2', 666)), T0)).to.equal('accept');
    });

    it('can DNAT a new connection with bindNat (ipvs-style at INPUT); conntrack translates the rest', () => {
      const nf = new Netfilter();
      nf.addHook('INPUT', 50, (p, ctx) => {
        if (p.dst === ipv4('10.96.0.50') && ctx.ct?.state === 'NEW') {
          nf.bindNat(p, 'dst', { minIp: ipv4('10.244.2.8'), maxIp: ipv4('10.244.2.8'), minPort: 8080, maxPort: 8080 }, ctx.now);
        }
        return 'accept';
      });
      const syn = tcp('10.244.1.2', 41000, '10.96.0.50', 80, TCP_SYN);
      const v = view(syn, { inIface: 'cni0' });
      expect(walk(nf, v, ['PREROUTING', 'INPUT'], '')).to.equal('accept');
      expect([v.dst, v.dstPort]).to.deep.equal([ipv4('10.244.2.8'), 8080]); // the stack now forwards it
      expectChecksumsRecomputed(syn);
      const synAck = tcp('10.244.2.8', 8080, '10.244.1.2', 41000, TCP_SYN | TCP_ACK, 5, 1001);
      walk(nf, view(synAck, { inIface: 'flannel.1' }), FWD, 'cni0');
      expect(checked(synAck)).to.deep.include({ src: '10.96.0.50', sport: 80 });
      const ack = tcp('10.244.1.2', 41000, '10.96.0.50', 80, TCP_ACK, 1001, 6);
      walk(nf, view(ack, { inIface: 'cni0' }), FWD, 'flannel.1'); // DNATed at PREROUTING by conntrack alone
      expect(checked(ack)).to.deep.include({ dst: '10.244.2.8', dport: 8080 });
      expect(nf.bindNat(view(ack), 'dst', { minIp: 1, maxIp: 1 }, T0)).to.equal(false); // only for new connections
    });
  });
});
