/**
 * The generated rules, loaded into kemu's netfilter engine, with real packets walked through a node's
 * hooks: what a Service does on the wire, checked end to end in pure code.
 */
import { expect } from 'chai';
import { Netfilter, restore } from '../../../src/dataplane/netfilter/index.js';
import type { HookStage, PacketView } from '../../../src/dataplane/types.js';
import { TCP_SYN, ipv4 } from '../../../src/net/index.js';
import { ensureJumpRules } from '../../../src/proxy/iptables/jumps.js';
import { buildRules } from '../../../src/proxy/iptables/rules.js';
import { checked, mulberry32, tcp, udp, view } from '../../dataplane/netfilter/helpers.js';
import { CONFIG, ep, goldenCluster, mapsFor, service, slice } from '../fixtures.js';

const T0 = 5_000_000;
// worker-1: eth0 on the underlay, cni0 to its pods (10.244.1.0/24), flannel.1 to other nodes' pods.
const ADDRS: Record<string, string> = { eth0: '172.18.0.11', cni0: '10.244.1.1', 'flannel.1': '10.244.1.0', lo: '127.0.0.1' };
const SPREAD = ['10.244.1.20:8080', '10.244.2.20:8080', '10.244.3.20:8080'];

function node(random: () => number = mulberry32(7)): Netfilter {
  const nf = new Netfilter({
    addressOf: (i) => (ADDRS[i] ? ipv4(ADDRS[i]!) : undefined),
    isLocal: (ip) => Object.values(ADDRS).some((a) => ipv4(a) === ip) || ip >>> 24 === 127,
    random,
  });
  const { services, slices } = goldenCluster();
  services.push(service('default', 'spread', { clusterIP: '10.96.0.30', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  slices.push(slice('default', 'spread', 'spread-1', SPREAD.map((e, i) => ep(e.split(':')[0]!, `worker-${i + 1}`)), [{ name: 'http', port: 8080 }]));
  ensureJumpRules(nf.ruleset);
  restore(nf.ruleset, buildRules(CONFIG, { ...mapsFor(services, slices), fullSync: true, changedServices: new Set() }).text, { noflush: true });
  return nf;
}

const FWD = ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const;
const IN = ['PREROUTING', 'INPUT'] as const;

function walk(nf: Netfilter, v: PacketView, stages: readonly HookStage[], out: string, now = T0): string {
  for (const s of stages) {
    if (s === 'FORWARD' || s === 'POSTROUTING' || s === 'OUTPUT') v.outIface = out;
    if (nf.run(s, v, now) === 'drop') return `drop@${s}`;
  }
  return 'accept';
}

const syn = (src: string, sport: number, dst: string, dport: number): Uint8Array => tcp(src, sport, dst, dport, TCP_SYN);

describe('proxy/iptables packets', () => {
  it('spreads ClusterIP connections evenly over the endpoints (30,000 SYNs, seeded dice)', () => {
    const nf = node(mulberry32(2024));
    const counts = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const client = `10.244.1.${30 + (i % 200)}`; // not an endpoint: those would be hairpin-masqueraded
      const p = syn(client, 10_000 + Math.floor(i / 200), '10.96.0.30', 80);
      expect(walk(nf, view(p, { inIface: 'cni0' }), FWD, 'flannel.1')).to.equal('accept');
      const c = checked(p);
      expect(c.src, 'a pod source is not masqueraded').to.equal(client);
      counts.set(`${c.dst}:${c.dport}`, (counts.get(`${c.dst}:${c.dport}`) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).to.deep.equal([...SPREAD].sort());
    for (const n of counts.values()) expect(Math.abs(n / 30_000 - 1 / 3)).to.be.below(0.02);
  });

  it('masquerades a pod that reaches itself through its service (hairpin)', () => {
    const nf = node(() => 0); // the dice pick the first endpoint: the client itself
    const p = syn('10.244.1.20', 40010, '10.96.0.30', 80);
    expect(walk(nf, view(p, { inIface: 'cni0' }), FWD, 'cni0')).to.equal('accept');
    expect(checked(p)).to.deep.include({ src: '10.244.1.1', dst: '10.244.1.20', dport: 8080 });
  });

  it('marks traffic from outside the cluster CIDR for masquerade, and masquerades it', () => {
    const nf = node();
    const p = syn('172.18.0.50', 40000, '10.96.0.1', 443);
    const v = view(p, { inIface: 'eth0' });
    expect(nf.run('PREROUTING', v, T0)).to.equal('accept');
    expect(v.mark & 0x4000, 'KUBE-MARK-MASQ').to.equal(0x4000);
    expect(checked(p)).to.deep.include({ dst: '172.18.0.10', dport: 6443 });
    expect(walk(nf, v, ['FORWARD', 'POSTROUTING'], 'eth0')).to.equal('accept');
    expect(checked(p).src, 'MASQUERADE to eth0').to.equal('172.18.0.11');
    expect(v.mark, 'KUBE-POSTROUTING cleared the bit').to.equal(0);
  });

  it('ClientIP affinity: a client sticks to its endpoint across connections', () => {
    const nf = node(mulberry32(99));
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 60; i++) {
      const client = `10.244.1.${100 + (i % 6)}`;
      const p = syn(client, 20_000 + i, '10.96.100.100', 80);
      expect(walk(nf, view(p, { inIface: 'cni0' }), FWD, 'flannel.1')).to.equal('accept');
      const c = checked(p);
      if (!seen.has(client)) seen.set(client, new Set());
      seen.get(client)!.add(`${c.dst}:${c.dport}`);
    }
    for (const [client, eps] of seen) expect(eps.size, client).to.equal(1);
    expect(new Set([...seen.values()].map((s) => [...s][0])).size, 'clients spread over endpoints').to.be.above(1);
  });

  it('NodePort: DNAT to an endpoint and masquerade (externalTrafficPolicy Cluster)', () => {
    const nf = node();
    const p = syn('172.18.0.50', 40001, '172.18.0.11', 30080);
    expect(walk(nf, view(p, { inIface: 'eth0' }), FWD, 'flannel.1')).to.equal('accept');
    const c = checked(p);
    expect(['10.244.1.5', '10.244.2.6', '10.244.3.7']).to.include(c.dst);
    expect(c).to.deep.include({ dport: 8080, src: '10.244.1.0' });
  });

  it('NodePort with externalTrafficPolicy Local: local endpoint only, client source kept', () => {
    const nf = node(() => 0.99);
    for (let i = 0; i < 20; i++) {
      const p = syn('172.18.0.50', 41000 + i, '172.18.0.11', 30081);
      expect(walk(nf, view(p, { inIface: 'eth0' }), FWD, 'cni0')).to.equal('accept');
      expect(checked(p)).to.deep.include({ src: '172.18.0.50', dst: '10.244.1.8', dport: 80 });
    }
  });

  it('REJECTs a service without endpoints, on its ClusterIP and its NodePort', () => {
    const nf = node();
    const v = view(syn('10.244.1.3', 40002, '10.96.0.99', 80), { inIface: 'cni0' });
    expect(walk(nf, v, FWD, 'eth0')).to.equal('drop@FORWARD');
    expect(nf.takeRejection(v)).to.include({ table: 'filter', chain: 'KUBE-SERVICES', rejectWith: 'icmp-port-unreachable' });
    const np = view(syn('172.18.0.50', 40003, '172.18.0.11', 30099), { inIface: 'eth0' });
    expect(walk(nf, np, IN, '')).to.equal('drop@INPUT');
    expect(nf.takeRejection(np)).to.include({ chain: 'KUBE-EXTERNAL-SERVICES' });
  });

  it('DROPs a ClusterIP with internalTrafficPolicy Local and no endpoint on this node', () => {
    const nf = node();
    const v = view(syn('10.244.1.3', 40004, '10.96.0.70', 80), { inIface: 'cni0' });
    expect(nf.evaluate('PREROUTING', v, T0).verdict).to.equal('accept');
    v.outIface = 'eth0';
    expect(nf.evaluate('FORWARD', v, T0)).to.deep.include({ verdict: 'drop', table: 'filter', chain: 'KUBE-SERVICES' });
  });

  it('uses serving-but-terminating endpoints when none is ready', () => {
    const nf = node();
    const p = udp('10.244.1.3', 5000, '10.96.0.60', 80);
    const q = tcp('10.244.1.3', 5000, '10.96.0.60', 80, TCP_SYN);
    expect(walk(nf, view(q, { inIface: 'cni0' }), FWD, 'flannel.1')).to.equal('accept');
    expect(checked(q)).to.deep.include({ dst: '10.244.2.10', dport: 80 });
    expect(walk(nf, view(p, { inIface: 'cni0' }), FWD, 'flannel.1'), 'no UDP port: untouched').to.equal('accept');
    expect(checked(p).dst).to.equal('10.96.0.60');
  });

  it('loadBalancerSourceRanges: allowed sources reach the endpoint, others are dropped', () => {
    const nf = node();
    const ok = syn('203.0.113.7', 40005, '192.0.2.10', 80);
    expect(walk(nf, view(ok, { inIface: 'eth0' }), FWD, 'flannel.1')).to.equal('accept');
    expect(checked(ok)).to.deep.include({ dst: '10.244.3.13', dport: 80 });
    const p = syn('198.51.100.1', 40006, '192.0.2.10', 80);
    const v = view(p, { inIface: 'eth0' });
    expect(nf.run('PREROUTING', v, T0)).to.equal('accept');
    expect(checked(p).dst, 'fell off KUBE-FW-…: not DNATed').to.equal('192.0.2.10');
    v.outIface = 'eth0';
    expect(nf.evaluate('FORWARD', v, T0)).to.deep.include({ verdict: 'drop', table: 'filter', chain: 'KUBE-PROXY-FIREWALL' });
  });
});
