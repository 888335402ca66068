/** flannel's pure pieces, as tables: annotations, leases, the udp proxy on bytes, rules text, subnet.env, conditions. */
import { expect } from 'chai';
import type { Node } from '../../../src/api/types.js';
import {
  ANNOTATIONS, SubnetRoutes, UdpProxy, annotationPatch, formatSubnetEnv, leaseAnnotations, masqRules, netConfigFromTopology, networkConditionPatch,
  nodeToLease, podCidrOf, subnetEnv, vtepMacOf,
} from '../../../src/cni/flannel/index.js';
import { restoreText } from '../../../src/cni/flannel/iptables.js';
import { ProblemSet } from '../../../src/cni/flannel/problems.js';
import { Ruleset, restore, save } from '../../../src/dataplane/netfilter/index.js';
import { buildIpv4Udp, decodeIcmp, decodeIpv4, formatMac, ipv4 } from '../../../src/net/index.js';
import { oneRack } from '../support.js';

const node = (annotations: Record<string, string>, spec: Node['spec'] = { podCIDR: '10.244.2.0/24' }): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'w2', annotations }, spec,
});
const VXLAN_ATTRS = { publicIP: '172.18.0.4', backendType: 'vxlan', backendData: '{"VNI":1,"VtepMAC":"0a:58:0a:f4:02:00"}' };

describe('cni/flannel: annotations and leases', () => {
  it('writes the four annotations with flanneld\'s values', () => {
    expect(leaseAnnotations(VXLAN_ATTRS)).to.deep.equal({
      'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"0a:58:0a:f4:02:00"}',
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
      'flannel.alpha.coreos.com/public-ip': '172.18.0.4',
    });
  });

  it('patches only what differs, and nothing when everything is in place', () => {
    expect(annotationPatch(node({}), VXLAN_ATTRS)?.metadata.annotations).to.deep.equal(leaseAnnotations(VXLAN_ATTRS));
    expect(annotationPatch(node({ ...leaseAnnotations(VXLAN_ATTRS), [ANNOTATIONS.publicIP]: '1.1.1.1' }), VXLAN_ATTRS))
      .to.deep.equal({ metadata: { annotations: { [ANNOTATIONS.publicIP]: '172.18.0.4' } } });
    expect(annotationPatch(node({ ...leaseAnnotations(VXLAN_ATTRS), other: 'x' }), VXLAN_ATTRS)).to.equal(undefined);
  });

  const cases: Array<[string, Node, string | undefined]> = [
    ['a managed node', node(leaseAnnotations(VXLAN_ATTRS)), '10.244.2.0/24'],
    ['not managed (no kube-subnet-manager)', node({ [ANNOTATIONS.publicIP]: '172.18.0.4' }), undefined],
    ['managed = "false"', node({ ...leaseAnnotations(VXLAN_ATTRS), [ANNOTATIONS.subnetKubeManaged]: 'false' }), undefined],
    ['a bad public-ip', node({ ...leaseAnnotations(VXLAN_ATTRS), [ANNOTATIONS.publicIP]: 'nope' }), undefined],
    ['no podCIDR', node(leaseAnnotations(VXLAN_ATTRS), {}), undefined],
    ['an IPv6-only podCIDRs', node(leaseAnnotations(VXLAN_ATTRS), { podCIDRs: ['fd00::/64'] }), undefined],
    ['dual stack: the IPv4 one', node(leaseAnnotations(VXLAN_ATTRS), { podCIDRs: ['fd00::/64', '10.244.7.0/24'] }), '10.244.7.0/24'],
  ];
  for (const [name, n, subnet] of cases) {
    it(`nodeToLease: ${name}`, () => {
      const lease = nodeToLease(n);
      expect(lease?.subnet).to.equal(subnet);
      if (subnet !== undefined) expect(lease!.attrs).to.deep.equal(VXLAN_ATTRS);
    });
  }

  it('podCidrOf prefers podCIDRs\' IPv4 entry and falls back to podCIDR', () => {
    expect(podCidrOf(node({}, { podCIDR: '10.244.3.0/24' }))).to.equal('10.244.3.0/24');
    expect(podCidrOf(node({}, { podCIDR: 'garbage' }))).to.equal(undefined);
  });

  it('vtepMacOf decodes backend-data and refuses what does not parse', () => {
    expect(formatMac(vtepMacOf('{"VNI":1,"VtepMAC":"0a:58:0a:f4:02:00"}')!)).to.equal('0a:58:0a:f4:02:00');
    for (const bad of ['null', '', '{', '{"VNI":1}', '{"VtepMAC":"zz"}', '[1]']) expect(vtepMacOf(bad), bad).to.equal(undefined);
  });
});

describe('cni/flannel: the udp proxy on bytes', () => {
  const sent: Array<[number, Uint8Array]> = [];
  const tun: Uint8Array[] = [];
  const icmp: Uint8Array[] = [];
  const drops: string[] = [];
  const proxy = new UdpProxy(ipv4('10.244.1.0'), {
    send: (hop, p) => sent.push([hop, new Uint8Array(p)]), writeTun: (p) => tun.push(new Uint8Array(p)),
    sendIcmp: (p) => icmp.push(p), drop: (reason) => drops.push(reason),
  });
  proxy.routes.set(ipv4('10.244.2.0'), 24, ipv4('172.18.0.4'));
  const packet = (dst: string, ttl = 63, protocol: 'udp' | 'icmp' = 'udp'): Uint8Array => {
    const p = buildIpv4Udp({ src: ipv4('10.244.1.2'), dst: ipv4(dst), ttl, srcPort: 1000, dstPort: 2000, payload: new Uint8Array(4) });
    if (protocol === 'icmp') p[9] = 1;
    return p;
  };

  it('forwards to the node owning the subnet with TTL − 1 and a valid header checksum', () => {
    proxy.fromTun(packet('10.244.2.2'));
    const [hop, out] = sent.at(-1)!;
    expect(hop).to.equal(ipv4('172.18.0.4'));
    const ip = decodeIpv4(out); // verifies the checksum
    expect(ip.ok && ip.value.ttl).to.equal(62);
  });

  it('decrements again on the way out of the socket, and drops at TTL 0', () => {
    proxy.fromSocket(packet('10.244.1.5', 62));
    const ip = decodeIpv4(tun.at(-1)!);
    expect(ip.ok && ip.value.ttl).to.equal(61);
    const before = tun.length;
    proxy.fromSocket(packet('10.244.1.5', 1));
    expect(tun.length).to.equal(before);
    expect(proxy.stats.ttlExpired).to.equal(1);
  });

  it('answers no route with net unreachable from the tunnel address, TTL 8, quoting the packet; not for ICMP', () => {
    proxy.fromTun(packet('10.244.9.9'));
    const ip = decodeIpv4(icmp.at(-1)!);
    if (!ip.ok) return expect.fail(ip.error.message);
    expect([ip.value.src, ip.value.dst, ip.value.ttl, ip.value.protocol]).to.deep.equal([ipv4('10.244.1.0'), ipv4('10.244.1.2'), 8, 1]);
    const msg = decodeIcmp(ip.value.payload);
    expect(msg.ok && msg.value.kind === 'dest-unreachable' && msg.value.code).to.equal(0);
    const count = icmp.length;
    proxy.fromTun(packet('10.244.9.9', 63, 'icmp'));
    expect(icmp.length).to.equal(count);
    expect(proxy.stats.noRoute).to.equal(2);
  });

  it('drops and counts malformed input', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(19), new Uint8Array(20).fill(0x60), Uint8Array.of(0x4f, ...new Uint8Array(30))]) {
      proxy.fromSocket(bad);
      proxy.fromTun(bad);
    }
    expect(proxy.stats.malformed).to.equal(8);
    expect(drops.filter((d) => d === 'flannel-udp-malformed')).to.have.length(8);
  });

  it('SubnetRoutes matches the longest prefix and forgets deleted subnets', () => {
    const r = new SubnetRoutes();
    r.set(ipv4('10.244.0.0'), 16, 1);
    r.set(ipv4('10.244.2.0'), 24, 2);
    expect([r.lookup(ipv4('10.244.2.9')), r.lookup(ipv4('10.244.3.9')), r.lookup(ipv4('10.245.0.1'))]).to.deep.equal([2, 1, 0]);
    expect(r.delete(ipv4('10.244.2.0'), 24)).to.equal(true);
    expect([r.lookup(ipv4('10.244.2.9')), r.size]).to.deep.equal([1, 1]);
  });
});

describe('cni/flannel: rules, subnet.env, conditions, config', () => {
  it('the masquerade chain restores with --noflush and saves back in the same order', () => {
    const rs = new Ruleset();
    restore(rs, restoreText({ table: 'nat', chain: 'FLANNEL-POSTRTG', rules: masqRules('10.244.0.0/16', '10.244.1.0/24') }), { noflush: true });
    const lines = save(rs, { tables: ['nat'] }).split('\n').filter((l) => l.startsWith('-A FLANNEL-POSTRTG'));
    expect(lines).to.have.length(6);
    expect(lines[4]).to.equal('-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully');
  });

  it('subnet.env: the subnet by its first address, in flanneld\'s order', () => {
    expect(formatSubnetEnv(subnetEnv('10.244.0.0/16', '10.244.3.0/24', 1450, true)))
      .to.equal('FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
  });

  it('NetworkUnavailable: patched only on a difference, transition time kept while the status holds', () => {
    const n = node({});
    const up = { status: 'False' as const, reason: 'FlannelIsUp', message: 'Flannel is running on this node' };
    const first = networkConditionPatch(n, up, Date.UTC(2026, 0, 1))!;
    expect(first.status.conditions[0]).to.deep.include({ type: 'NetworkUnavailable', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const withIt = { ...n, status: { conditions: first.status.conditions } };
    expect(networkConditionPatch(withIt, up, Date.UTC(2026, 0, 2))).to.equal(undefined);
    const again = networkConditionPatch(withIt, { ...up, message: 'other' }, Date.UTC(2026, 0, 2))!;
    expect(again.status.conditions[0]!.lastTransitionTime).to.equal('2026-01-01T00:00:00Z');
    const down = networkConditionPatch(withIt, { status: 'True', reason: 'X', message: 'y' }, Date.UTC(2026, 0, 2))!;
    expect(down.status.conditions[0]!.lastTransitionTime).to.equal('2026-01-02T00:00:00Z');
  });

  it('problems decide the condition: none and running → FlannelIsUp; else True with their reason and messages', () => {
    const p = new ProblemSet();
    expect(p.condition(true)).to.deep.equal({ status: 'False', reason: 'FlannelIsUp', message: 'Flannel is running on this node' });
    expect(p.condition(false).status).to.equal('True');
    expect(p.set('route 10.244.2.0/24', 'a')).to.equal(true);
    expect(p.set('route 10.244.2.0/24', 'a')).to.equal(false);
    p.set('route 10.244.3.0/24', 'b');
    expect(p.condition(true)).to.deep.equal({ status: 'True', reason: 'FailedToCreateRoute', message: 'a; b' });
  });

  it('net-conf from a topology: podSubnet, backend, directRouting for vxlan only', () => {
    const t = oneRack();
    expect(netConfigFromTopology(t.networking)).to.deep.equal({ network: '10.244.0.0/16', backend: { type: 'vxlan', directRouting: false }, ipMasq: true });
    const hostgw = { ...t.networking, cni: { plugin: 'flannel' as const, backend: 'host-gw' as const, directRouting: false } };
    expect(netConfigFromTopology(hostgw).backend).to.deep.equal({ type: 'host-gw' });
  });
});
