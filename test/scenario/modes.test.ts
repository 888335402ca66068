/** Mode overrides: a loaded topology in another CNI or proxy mode, as a new value. */
import { expect } from 'chai';
import { CNI_MODES, modeOf, parseModes, parseProxyModes, withModes } from '../../src/scenario/modes.js';
import { notBuiltFrom } from '../../src/scenario/run.js';
import { loadTopologyText } from '../../src/topology/load.js';
import type { LoadedTopology } from '../../src/topology/types.js';

function load(networking: string): LoadedTopology {
  const r = loadTopologyText(`apiVersion: kemu.dev/v1alpha1\nkind: Topology\nspec:\n  networking: ${networking}\n  nodes: [{name: cp, role: control-plane}]\n`, 'm.yaml');
  if (!r.ok) throw new Error(r.diagnostics[0]!.message);
  return r.value;
}

describe('CNI and proxy modes', () => {
  it('names every mode of a topology the way --mode takes it', () => {
    for (const m of CNI_MODES) expect(modeOf(withModes(load('{}'), m).topology)).to.equal(m);
  });

  it('switches flannel to calico with calico\'s defaults and pod subnet, leaving the file\'s value untouched', () => {
    const base = load('{cni: {plugin: flannel, backend: vxlan}}');
    const t = withModes(base, 'calico-cross-subnet', 'ipvs').topology;
    expect(t.networking.cni).to.deep.equal({ plugin: 'calico', mode: 'ipip', crossSubnet: true, blockSize: 26, asNumber: 64512, nodeToNodeMesh: true, routeReflectors: [] });
    expect(t.networking.podSubnet).to.equal('192.168.0.0/16');
    expect(t.networking.kubeProxyMode).to.equal('ipvs');
    expect(base.topology.networking.cni.plugin).to.equal('flannel');
    expect(withModes(withModes(base, 'calico-bgp'), 'flannel-host-gw').topology.networking.podSubnet).to.equal('10.244.0.0/16');
  });

  it('keeps a pod subnet the file chose, and calico\'s BGP settings when staying on calico', () => {
    const t = withModes(load('{podSubnet: 10.50.0.0/16, cni: {plugin: calico, mode: bgp, asNumber: 65001}}'), 'calico-vxlan').topology;
    expect(t.networking.podSubnet).to.equal('10.50.0.0/16');
    expect(t.networking.cni).to.deep.include({ mode: 'vxlan', asNumber: 65001, crossSubnet: false });
  });

  it('refuses unknown modes with the list of known ones', () => {
    expect(parseModes('flannel-vxlan, calico-bgp')).to.deep.equal(['flannel-vxlan', 'calico-bgp']);
    expect(() => parseModes('flannel-vxlan,cilium')).to.throw(/unknown mode "cilium" \(modes: flannel-udp, flannel-vxlan/);
    expect(parseProxyModes('iptables,ipvs')).to.deep.equal(['iptables', 'ipvs']);
    expect(() => parseProxyModes('nftables')).to.throw(/unknown proxy mode "nftables"/);
  });

  it('reads what is not built from the cluster\'s own notices', () => {
    expect(notBuiltFrom([
      'kube-proxy mode ipvs is not built yet; nodes run kube-proxy in iptables mode',
      'CNI calico is not built yet: pods reach pods of their own node only',
      'flannel host-gw on w1: Error adding route',
    ])).to.deep.equal(['kube-proxy mode ipvs', 'CNI calico']);
  });
});
