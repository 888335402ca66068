/** The pure pieces of calico: peers, kernel route shapes, annotations, timers, views, nat rules, config. */
import { expect } from 'chai';
import {
  CALICO_ANNOTATIONS, type CalicoNodeInfo, ScaledClock, bgpTimers, calicoAnnotationPatch, calicoConfigFromTopology, calicoNodeInfo,
  calicoVethName, desiredPeers, ensureCalicoNatRules, formatBirdRoutes, formatNodeStatus, podMtuFor,
} from '../../../src/cni/calico/index.js';
import { birdRoute, parsePrefix } from '../../../src/cni/calico/kernel-routes.js';
import type { Node } from '../../../src/api/types.js';
import { Ruleset, restore, save } from '../../../src/dataplane/netfilter/index.js';
import { EthernetDevice, NetNamespace } from '../../../src/dataplane/stack/index.js';
import { CalicoIpam } from '../../../src/cni/calico/ipam.js';
import { Felix } from '../../../src/cni/calico/felix.js';
import { ipv4 } from '../../../src/net/index.js';
import { FakeClock, RealClock } from '../../../src/util/clock.js';
import { oneRack } from './support.js';

function info(name: string, address: string, prefixLength = 24): CalicoNodeInfo {
  const ip = ipv4(address);
  return {
    name, address: ip, addressText: address, prefixLength, subnet: (ip & ~((1 << (32 - prefixLength)) - 1)) >>> 0, asNumber: undefined,
    ipipTunnel: undefined, vxlanTunnel: undefined, vxlanMac: undefined,
  };
}

describe('cni/calico: peers', () => {
  const nodes = [info('cp', '172.18.0.2'), info('w1', '172.18.0.3'), info('w2', '172.18.0.10')];
  const mesh = { asNumber: 64512, nodeToNodeMesh: true, routeReflectors: [] };

  it('meshes every pair once: the address that sorts lower (as text, like calico\'s template) is passive', () => {
    const w1 = desiredPeers(nodes[1]!, nodes, mesh);
    expect([...w1.values()].map((p) => [p.address, p.type, p.passive, p.asn])).to.deep.equal([
      ['172.18.0.2', 'node-to-node mesh', false, 64512],
      // As text "172.18.0.10" sorts before "172.18.0.3": w2 is the lower one, so w2 waits and w1 connects.
      ['172.18.0.10', 'node-to-node mesh', false, 64512],
    ]);
    const w2 = desiredPeers(nodes[2]!, nodes, mesh);
    expect(w2.get('172.18.0.3')!.passive).to.equal(true);
    expect(w2.get('172.18.0.2')!.passive).to.equal(true);
  });

  it('with route reflectors: clients peer only with reflectors, reflectors mark non-reflectors as rr clients', () => {
    const rr = { asNumber: 64512, nodeToNodeMesh: false, routeReflectors: ['cp', 'w2'] };
    const w1 = desiredPeers(nodes[1]!, nodes, rr);
    expect([...w1.values()].map((p) => [p.address, p.type, p.routeReflectorClient])).to.deep.equal([
      ['172.18.0.2', 'node specific', false], ['172.18.0.10', 'node specific', false],
    ]);
    const cp = desiredPeers(nodes[0]!, nodes, rr);
    expect(cp.get('172.18.0.3')!.routeReflectorClient).to.equal(true);
    expect(cp.get('172.18.0.10')!.routeReflectorClient).to.equal(false); // reflector ↔ reflector: plain iBGP
    expect(desiredPeers(nodes[1]!, nodes, { ...rr, routeReflectors: [] }).size).to.equal(0);
  });

  it('adds routers as node-specific peers with their AS, and honours a node\'s own AS', () => {
    const other = { ...info('w3', '172.18.0.5'), asNumber: 65010 };
    const peers = desiredPeers(nodes[1]!, [...nodes, other], mesh, [{ name: 'tor', address: '172.18.0.1', asn: 65001 }]);
    expect(peers.get('172.18.0.1')).to.deep.include({ type: 'node specific', asn: 65001, passive: false });
    expect(peers.get('172.18.0.5')!.asn).to.equal(65010);
  });
});

describe('cni/calico: kernel route shapes', () => {
  const p = parsePrefix('192.168.1.64/26')!;
  const ctx = (tunnel: string | undefined, crossSubnet: boolean) => ({
    uplink: 'eth0', tunnel, crossSubnet, sameSubnet: (nh: number) => nh >>> 8 === ipv4('172.18.0.0') >>> 8,
    resolve: (nh: number) => (nh >>> 8 === ipv4('172.18.0.0') >>> 8 ? { via: nh, dev: 'eth0' } : { via: ipv4('172.18.0.1'), dev: 'eth0' }),
  });
  const cases: Array<[string, string | undefined, boolean, string, { via: string; dev: string; onlink: boolean }]> = [
    ['bgp, on-link next hop', undefined, false, '172.18.0.4', { via: '172.18.0.4', dev: 'eth0', onlink: false }],
    ['bgp, next hop behind the gateway (gateway recursive)', undefined, false, '172.18.1.4', { via: '172.18.0.1', dev: 'eth0', onlink: false }],
    ['ipip Always, same subnet', 'tunl0', false, '172.18.0.4', { via: '172.18.0.4', dev: 'tunl0', onlink: true }],
    ['ipip CrossSubnet, same subnet', 'tunl0', true, '172.18.0.4', { via: '172.18.0.4', dev: 'eth0', onlink: false }],
    ['ipip CrossSubnet, other subnet', 'tunl0', true, '172.18.1.4', { via: '172.18.1.4', dev: 'tunl0', onlink: true }],
  ];
  for (const [name, tunnel, cross, nh, want] of cases) {
    it(name, () => {
      const r = birdRoute(p, ipv4(nh), ctx(tunnel, cross))!;
      expect({ via: r.via, dev: r.dev, onlink: r.onlink, proto: r.proto }).to.deep.equal({ via: ipv4(want.via), dev: want.dev, onlink: want.onlink, proto: 'bird' });
    });
  }
});

describe('cni/calico: annotations, timers, config', () => {
  it('reads a Node\'s calico annotations once and patches only what differs', () => {
    const node = {
      metadata: { name: 'w1', annotations: { [CALICO_ANNOTATIONS.ipv4Address]: '172.18.0.3/24', [CALICO_ANNOTATIONS.vxlanTunnelAddr]: '192.168.0.64', [CALICO_ANNOTATIONS.vxlanTunnelMac]: '66:aa:bb:cc:dd:ee' } },
    } as unknown as Node;
    const i = calicoNodeInfo(node)!;
    expect([i.addressText, i.prefixLength, i.subnet, i.vxlanTunnel, i.ipipTunnel]).to.deep.equal(['172.18.0.3', 24, ipv4('172.18.0.0'), ipv4('192.168.0.64'), undefined]);
    expect(calicoNodeInfo(node)).to.equal(i);
    expect(calicoNodeInfo({ metadata: { name: 'x', annotations: { [CALICO_ANNOTATIONS.ipv4Address]: 'garbage' } } } as unknown as Node)).to.equal(undefined);
    expect(calicoAnnotationPatch(node, { [CALICO_ANNOTATIONS.ipv4Address]: '172.18.0.3/24', [CALICO_ANNOTATIONS.ipipTunnelAddr]: null })).to.equal(undefined);
    expect(calicoAnnotationPatch(node, { [CALICO_ANNOTATIONS.vxlanTunnelAddr]: null, [CALICO_ANNOTATIONS.ipipTunnelAddr]: '192.168.0.64' })).to.deep.equal({
      metadata: { annotations: { [CALICO_ANNOTATIONS.vxlanTunnelAddr]: null, [CALICO_ANNOTATIONS.ipipTunnelAddr]: '192.168.0.64' } },
    });
  });

  it('keeps the topology\'s hold time on the wire and runs the timers `speed` times faster', () => {
    const clock = new FakeClock();
    const t = bgpTimers(clock, { holdTimeMs: 90_000, keepaliveTimeMs: 30_000, connectRetryTimeMs: 3_000, speed: 30 });
    expect([t.holdTime, t.keepaliveTime, t.connectRetryMs]).to.deep.equal([90, 30, 3000]);
    let fired = 0;
    t.clock.setTimeout(() => fired++, 3000); // 3 s of BGP time = 100 ms of real time
    clock.advance(99);
    expect(fired).to.equal(0);
    clock.advance(1);
    expect(fired).to.equal(1);
    expect(t.clock).to.be.instanceOf(ScaledClock);
    expect(bgpTimers(clock, {}).holdTime).to.equal(240);
    expect(bgpTimers(clock, {}).clock).to.equal(clock);
    // A hold time below the legal 3 s goes out as 3 and the clock is sped up to match.
    const short = bgpTimers(clock, { holdTimeMs: 1500 });
    expect([short.holdTime, (short.clock as ScaledClock).factor]).to.deep.equal([3, 2]);
  });

  it('derives the config and MTUs from the topology', () => {
    const topo = oneRack();
    expect(calicoConfigFromTopology(topo.networking)).to.deep.include({ pool: '192.168.0.0/16', mode: 'ipip', blockSize: 26, asNumber: 64512, natOutgoing: true, nodeToNodeMesh: true });
    expect([podMtuFor('bgp', 1500), podMtuFor('ipip', 1500), podMtuFor('vxlan', 1500), podMtuFor('ipip', 9000)]).to.deep.equal([1500, 1480, 1450, 8980]);
    expect(calicoVethName('default/web-0')).to.match(/^cali[0-9a-f]{11}$/).and.to.have.length(15);
    expect(calicoVethName('default/web-0')).to.not.equal(calicoVethName('default/web-1'));
  });
});

describe('cni/calico: views and rules', () => {
  it('prints calicoctl node status when BIRD is down or has no peers', () => {
    expect(formatNodeStatus(false, [])).to.equal('Calico process is not running.\n');
    expect(formatNodeStatus(true, [])).to.equal('Calico process is running.\n\nIPv4 BGP status\nNo IPv4 peers found.\n\nIPv6 BGP status\nNo IPv6 peers found.\n\n');
  });

  it('prints birdc show route lines for static, iBGP and eBGP routes', () => {
    expect(formatBirdRoutes([
      { prefix: '192.168.0.0/26', nextHop: undefined, dev: undefined, protocol: 'static1', since: '10:00:00', asPath: '', local: true },
      { prefix: '192.168.0.64/26', nextHop: '172.18.0.4', dev: 'tunl0', protocol: 'Mesh_172_18_0_4', since: '10:00:01', asPath: '', local: false },
      { prefix: '10.0.0.0/8', nextHop: '172.18.0.1', dev: 'eth0', protocol: 'Node_172_18_0_1', since: '10:00:02', asPath: '65001', local: false },
    ])).to.equal([
      'BIRD v0.3.3+birdv1.6.8 ready.',
      '10.0.0.0/8         via 172.18.0.1 on eth0 [Node_172_18_0_1 10:00:02] * (100/0) [AS65001i]',
      '192.168.0.0/26     blackhole [static1 10:00:00] * (200)',
      '192.168.0.64/26    via 172.18.0.4 on tunl0 [Mesh_172_18_0_4 10:00:01] * (100/0) [i]',
      '',
    ].join('\n'));
  });

  it('writes cali-nat-outgoing once (an unchanged ruleset is not touched again)', () => {
    const rs = new Ruleset();
    expect(ensureCalicoNatRules(rs, '192.168.0.0/16', true)).to.equal(3);
    expect(ensureCalicoNatRules(rs, '192.168.0.0/16', true)).to.equal(0);
    const text = save(rs, { tables: ['nat'] });
    expect(text).to.include('-A POSTROUTING -m comment --comment "cali:postrouting" -j cali-POSTROUTING');
    expect(text).to.include('-A cali-nat-outgoing -s 192.168.0.0/16 ! -d 192.168.0.0/16 -m comment --comment "cali:nat-outgoing" -j MASQUERADE --random-fully');
    expect(ensureCalicoNatRules(rs, '192.168.0.0/16', false)).to.equal(1);
    expect(rs.chain('nat', 'cali-nat-outgoing')!.rules).to.have.length(0);
  });

  it('felix checks its nat rules only when the ruleset changed since, and repairs them then', () => {
    const ruleset = new Ruleset();
    const ns = new NetNamespace({ name: 'n', clock: new RealClock(), ipForward: true });
    const dev = ns.addDevice(new EthernetDevice('eth0'));
    const logs: string[] = [];
    const felix = new Felix({
      nodeName: 'n', host: { ns, eth0: { dev, address: '172.18.0.3', prefixLength: 24 }, netfilter: { ruleset } }, ipam: new CalicoIpam({ pool: '192.168.0.0/16', blockSize: 26 }),
      config: calicoConfigFromTopology(oneRack().networking), report: { set: () => {}, clear: () => {} }, log: (l) => logs.push(l),
    });
    felix.ensureRules();
    let edits = 0;
    const edit = ruleset.edit.bind(ruleset);
    ruleset.edit = (t) => (edits++, edit(t));
    felix.ensureRules();
    expect(edits).to.equal(0); // nothing committed since: not even the -C check
    restore(ruleset, '*nat\n:cali-nat-outgoing - [0:0]\nCOMMIT\n', { noflush: true }); // someone flushed the chain
    felix.ensureRules();
    expect(logs).to.deep.equal(['iptables: 3 cali chain(s) or jump(s) (re)written', 'iptables: 1 cali chain(s) or jump(s) (re)written']);
    expect(save(ruleset, { tables: ['nat'] })).to.include('-A cali-nat-outgoing -s 192.168.0.0/16');
  });
});
