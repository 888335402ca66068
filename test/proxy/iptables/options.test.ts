/** Chain names and the kube-proxy flags that change the rules. */
import { expect } from 'chai';
import { endpointChain, serviceChains } from '../../../src/proxy/iptables/chains.js';
import { buildRules, masqueradeMark, type IptablesConfig } from '../../../src/proxy/iptables/rules.js';
import { probability } from '../../../src/proxy/iptables/service-rules.js';
import { CONFIG, ep, mapsFor, service, slice } from '../fixtures.js';

function rules(cfg: Partial<IptablesConfig>, endpoints = 2): string[] {
  const svc = service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3001 }] });
  const eps = Array.from({ length: endpoints }, (_, i) => ep(`10.180.${i >> 8}.${i & 255}`));
  const maps = mapsFor([svc], [slice('ns1', 'svc1', 'svc1-a', eps, [{ name: 'p80', port: 80 }])]);
  return buildRules({ ...CONFIG, ...cfg }, { ...maps, fullSync: true, changedServices: new Set() }).text.split('\n');
}

describe('proxy/iptables chain names and options', () => {
  it('hashes chain names as kube-proxy does (names seen on real nodes and in its tests)', () => {
    expect(serviceChains('ns1/svc1:p80', 'tcp').cluster).to.equal('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(serviceChains('ns2/svc2:p80', 'tcp').external).to.equal('KUBE-EXT-GNZBNJ2PO5MGZ6GT');
    expect(serviceChains('default/kubernetes:https', 'tcp').cluster).to.equal('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(serviceChains('kube-system/kube-dns:dns', 'udp').cluster).to.equal('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(serviceChains('kube-system/kube-dns:dns-tcp', 'tcp').local).to.equal('KUBE-SVL-ERIFXISQEP7F7OF4');
    expect(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).to.equal('KUBE-SEP-SXIVWICOYRO3J4NJ');
  });

  it('formats probabilities as Go\'s %0.10f, ties to even included', () => {
    expect([2, 3, 4, 7, 1000].map(probability)).to.deep.equal(['0.5000000000', '0.3333333333', '0.2500000000', '0.1428571429', '0.0010000000']);
    expect(probability(2048), '0.00048828125 exactly: half to even').to.equal('0.0004882812');
    expect(probability(4096), '0.000244140625').to.equal('0.0002441406');
  });

  it('formats the masquerade mark as "%#08x"', () => {
    expect([masqueradeMark(14), masqueradeMark(0), masqueradeMark(31)]).to.deep.equal(['0x00004000', '0x00000001', '0x80000000']);
    expect(rules({ masqueradeBit: 1 })).to.include('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00000002');
  });

  it('--masquerade-all masquerades every ClusterIP connection', () => {
    expect(rules({ masqueradeAll: true })).to.include(
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-MARK-MASQ');
  });

  it('without a cluster CIDR there is no off-cluster masquerade rule', () => {
    const text = rules({ clusterCIDR: undefined });
    expect(text.filter((l) => l.startsWith('-A KUBE-SVC-') && l.includes('KUBE-MARK-MASQ'))).to.deep.equal([]);
  });

  it('--nodeport-addresses: NodePorts on the matching node addresses only', () => {
    const text = rules({ nodeIPs: ['172.18.0.11', '192.168.5.5'], nodePortAddresses: ['172.18.0.0/16', '127.0.0.0/8'] });
    expect(text.filter((l) => l.includes('-j KUBE-NODEPORTS'))).to.deep.equal([
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 172.18.0.11 -j KUBE-NODEPORTS',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 127.0.0.1 -j KUBE-NODEPORTS',
    ]);
    expect(rules({ nodePortAddresses: ['172.18.0.0/16'] })).to.not.include(':KUBE-FIREWALL - [0:0]'); // no loopback: no localhost NodePorts
  });

  it('without localhost NodePorts: no KUBE-FIREWALL rule, and loopback is excluded', () => {
    const text = rules({ localhostNodePorts: false });
    expect(text).to.not.include(':KUBE-FIREWALL - [0:0]');
    expect(text).to.include('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS');
  });

  it('nf_conntrack_tcp_be_liberal: no INVALID drop; old iptables: no --random-fully', () => {
    expect(rules({ conntrackTCPLiberal: true })).to.not.include('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
    expect(rules({ randomFully: false })).to.include('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE');
  });

  it('large clusters (over 1,000 endpoints) leave out the per-endpoint comments', () => {
    const text = rules({}, 1001);
    expect(text).to.include('-A KUBE-SEP-SXIVWICOYRO3J4NJ -s 10.180.0.1 -j KUBE-MARK-MASQ');
    expect(text.filter((l) => l.startsWith('-A KUBE-SVC-XPGD46QRK7WJZT7O')).slice(0, 2)).to.deep.equal([
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
      `-A KUBE-SVC-XPGD46QRK7WJZT7O -m statistic --mode random --probability 0.0009990010 -j ${endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.0:80')}`,
    ]);
  });

  it('skips SCTP ports (kemu\'s netfilter has no -m sctp) and says so', () => {
    const svc = service('d', 's', { clusterIP: '10.96.0.7', ports: [{ name: 'sig', port: 3868, protocol: 'SCTP' }] });
    const out = buildRules(CONFIG, { ...mapsFor([svc], []), fullSync: true, changedServices: new Set() });
    expect(out.skippedPorts).to.deep.equal(['d/s:sig/SCTP']);
    expect(out.text).to.not.include('d/s:sig');
  });
});
