/** Every ready-made topology in topologies/ must load cleanly, and each CNI mode has one. */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, loadTopologyFile } from '../../src/topology/load.js';
import { cniSummary } from '../../src/cli/validate.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'topologies');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('topologies/', () => {
  for (const f of files) {
    it(`${f} validates`, async () => {
      const r = await loadTopologyFile(join(DIR, f));
      expect(r.ok ? [] : r.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
    });
  }

  it('covers every CNI mode', async () => {
    const modes = new Map<string, string>();
    for (const f of files) {
      const r = await loadTopologyFile(join(DIR, f));
      if (r.ok) modes.set(f, cniSummary(r.value.topology));
    }
    expect(Object.fromEntries(modes)).to.deep.equal({
      'calico-bgp.yaml': 'calico/bgp',
      'calico-cross-subnet.yaml': 'calico/ipip+crossSubnet',
      'calico-ipip.yaml': 'calico/ipip',
      'calico-route-reflector.yaml': 'calico/bgp',
      'calico-vxlan.yaml': 'calico/vxlan',
      'compare-two-racks.yaml': 'flannel/vxlan',
      'demo.yaml': 'flannel/vxlan',
      'flannel-host-gw-two-racks.yaml': 'flannel/host-gw',
      'flannel-host-gw.yaml': 'flannel/host-gw',
      'flannel-udp.yaml': 'flannel/udp',
      'flannel-vxlan.yaml': 'flannel/vxlan',
    });
  });

  it('demo.yaml is the documented 3-node web demo', async () => {
    const r = await loadTopologyFile(join(DIR, 'demo.yaml'));
    if (!r.ok) throw new Error('demo.yaml is invalid');
    const { topology, manifests } = r.value;
    expect(topology.nodes.map((n) => [n.name, n.role, n.address])).to.deep.equal([
      ['control-plane', 'control-plane', '172.18.0.2'],
      ['worker-1', 'worker', '172.18.0.3'],
      ['worker-2', 'worker', '172.18.0.4'],
    ]);
    const [deploy, svc] = manifests.map((m) => m.object);
    expect(deploy!.spec.template.spec.containers[0]).to.deep.include({
      image: 'registry.k8s.io/e2e-test-images/agnhost:2.47',
      args: ['netexec', '--http-port=8080', '--udp-port=8081'],
    });
    expect(svc!.spec).to.deep.include({ type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] });
    expect(topology.networking.loadBalancerPool).to.equal('172.18.255.0/24');
  });

  it('the two-rack host-gw lesson has its nodes on two routed subnets', async () => {
    const r = await loadTopologyFile(join(DIR, 'flannel-host-gw-two-racks.yaml'));
    if (!r.ok) throw new Error('invalid');
    const t = r.value.topology;
    expect(t.underlay.routers[0]!.interfaces).to.deep.equal([
      { subnet: 'rack-a', address: '172.18.0.1' },
      { subnet: 'rack-b', address: '172.18.1.1' },
    ]);
    expect(new Set(t.nodes.map((n) => n.subnet))).to.deep.equal(new Set(['rack-a', 'rack-b']));
  });
});
