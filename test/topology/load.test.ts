/** The loader on valid input: the Topology value (defaults, units, derived fields) and the manifests. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, loadTopologyFile, loadTopologyText } from '../../src/topology/load.js';
import type { LoadedTopology, Topology } from '../../src/topology/types.js';

const GOOD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'good');

function load(name: string): LoadedTopology {
  const r = loadTopologyText(readFileSync(join(GOOD, name), 'utf8'), name);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.value;
}

const NO_IMPAIRMENT = { delay: 0, jitter: 0, loss: 0, duplicate: 0, reorder: 0, rate: null, mtu: 1500 };
const DEFAULT_TIMING = {
  speed: 1,
  nodeMonitorGracePeriod: 40_000,
  nodeMonitorPeriod: 5_000,
  podEvictionTimeout: 300_000,
  leaseDuration: 40_000,
  leaseRenewInterval: 10_000,
  nodeStatusReportFrequency: 300_000,
  kubeProxySyncPeriod: 30_000,
  kubeProxyMinSyncPeriod: 1_000,
  bgpHoldTime: 240_000,
  bgpKeepaliveTime: 80_000,
  bgpConnectRetryTime: 3_000,
  conntrackUDPTimeout: 30_000,
};
const CP_LABEL = { 'node-role.kubernetes.io/control-plane': '' };
const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('topology: loading valid files', () => {
  it('an empty file is a one-node kind-like cluster', () => {
    const expected: Topology = {
      name: 'kemu',
      apiServer: { port: 0 },
      networking: {
        podSubnet: '10.244.0.0/16',
        serviceSubnet: '10.96.0.0/12',
        nodeCIDRMaskSize: 24,
        dnsDomain: 'cluster.local',
        cni: { plugin: 'flannel', backend: 'vxlan', directRouting: false },
        kubeProxyMode: 'iptables',
        loadBalancerPool: null,
      },
      underlay: { mtu: 1500, subnets: [{ name: 'default', cidr: '172.18.0.0/16', link: NO_IMPAIRMENT }], routers: [], links: NO_IMPAIRMENT },
      // No worker, so the control-plane node is not tainted (kind does the same).
      nodes: [{ name: 'kemu-control-plane', role: 'control-plane', subnet: 'default', address: '172.18.0.2', labels: CP_LABEL, taints: [], zone: null }],
      dns: { upstreams: [], cacheSeconds: 30, ttl: 30 },
      timing: DEFAULT_TIMING,
    };
    expect(load('empty.yaml')).to.deep.equal({ file: 'empty.yaml', topology: expected, manifests: [] });
  });

  it('every field written out, units converted', () => {
    const t = load('full.yaml').topology;
    const base = { delay: 0.1, jitter: 0.05, loss: 0.005, duplicate: 0.001, reorder: 0.01, rate: 1e9, mtu: 1500 };
    expect(t).to.deep.equal({
      name: 'full',
      apiServer: { port: 6443 },
      networking: {
        podSubnet: '10.200.0.0/16',
        serviceSubnet: '10.100.0.0/16',
        nodeCIDRMaskSize: 25,
        dnsDomain: 'example.internal',
        cni: { plugin: 'calico', mode: 'vxlan', crossSubnet: true, blockSize: 27, asNumber: 65001, nodeToNodeMesh: true, routeReflectors: ['cp'] },
        kubeProxyMode: 'ipvs',
        loadBalancerPool: '172.30.255.0/28',
      },
      underlay: {
        mtu: 9000,
        subnets: [
          { name: 'rack-a', cidr: '172.30.0.0/24', link: base },
          // The subnet's link overrides only what it names.
          { name: 'rack-b', cidr: '172.30.1.0/24', link: { ...base, delay: 2, loss: 0.01, rate: 1e8 } },
        ],
        routers: [
          {
            name: 'tor',
            subnets: ['rack-a', 'rack-b'],
            interfaces: [
              { subnet: 'rack-a', address: '172.30.0.1' },
              { subnet: 'rack-b', address: '172.30.1.1' },
            ],
            bgp: { asNumber: 65000 },
          },
        ],
        links: base,
      },
      nodes: [
        {
          name: 'cp', role: 'control-plane', subnet: 'rack-a', address: '172.30.0.3',
          labels: { ...CP_LABEL, 'topology.kubernetes.io/zone': 'zone-a' }, taints: [CP_TAINT], zone: 'zone-a',
        },
        // Free addresses are handed out from .2, skipping those nodes named explicitly.
        { name: 'w1', role: 'worker', subnet: 'rack-a', address: '172.30.0.2', labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], zone: null },
        { name: 'w2', role: 'worker', subnet: 'rack-b', address: '172.30.1.2', labels: {}, taints: [], zone: null },
      ],
      dns: { upstreams: ['8.8.8.8:53', '1.1.1.1:5353'], cacheSeconds: 60, ttl: 5 },
      timing: {
        speed: 10, nodeMonitorGracePeriod: 50_000, nodeMonitorPeriod: 1_000, podEvictionTimeout: 90_000, leaseDuration: 20_000,
        leaseRenewInterval: 5_000, nodeStatusReportFrequency: 60_000, kubeProxySyncPeriod: 60_000, kubeProxyMinSyncPeriod: 500,
        bgpHoldTime: 9_000, bgpKeepaliveTime: 3_000, bgpConnectRetryTime: 1_500, conntrackUDPTimeout: 120_000,
      },
    });
  });

  it('calico defaults: its own pod CIDR, ipip, and no mesh once route reflectors are named', () => {
    const t = load('calico-defaults.yaml').topology;
    expect(t.networking.podSubnet).to.equal('192.168.0.0/16');
    expect(t.networking.cni).to.deep.equal({
      plugin: 'calico', mode: 'ipip', crossSubnet: false, blockSize: 26, asNumber: 64512, nodeToNodeMesh: false, routeReflectors: ['rr'],
    });
    expect(t.nodes.map((n) => n.address)).to.deep.equal(['172.18.0.3', '172.18.0.2', '172.18.0.4']);
  });

  it('control-plane taint by default when there are workers; taints: [] turns it off', () => {
    const t = load('taints.yaml').topology;
    expect(t.nodes.map((n) => [n.name, n.taints])).to.deep.equal([
      ['cp-1', [CP_TAINT]],
      ['cp-2', []],
      ['w-1', [{ key: 'gpu', effect: 'NoExecute' }]],
    ]);
  });

  it('a file of manifests only: default topology, Lists expanded, namespaces settled', () => {
    const v = load('manifests-only.yaml');
    expect(v.topology.nodes.map((n) => n.name)).to.deep.equal(['kemu-control-plane']);
    expect(v.manifests.map((m) => [m.object.kind, m.object.metadata, m.line, m.col])).to.deep.equal([
      ['Namespace', { name: 'shop' }, 2, 1],
      ['ConfigMap', { name: 'settings', namespace: 'shop' }, 11, 5],
      ['Service', { name: 'api', namespace: 'shop' }, 15, 5],
      ['Pod', { name: 'client', namespace: 'default' }, 23, 1],
    ]);
    expect(v.manifests.every((m) => m.file === 'manifests-only.yaml')).to.equal(true);
  });

  it('reads YAML 1.1 as kubectl does (on is a boolean, so this label value is rejected)', () => {
    const r = loadTopologyText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {mode: on}\n', 'x.yaml');
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.diagnostics.map(formatDiagnostic)).to.deep.equal(['x.yaml:4:14: ConfigMap "c": data[mode]: Invalid value: true: must be of type string']);
  });

  it('reports an unreadable file without a position', async () => {
    const r = await loadTopologyFile(join(GOOD, 'missing.yaml'));
    expect(r.ok).to.equal(false);
    if (!r.ok) {
      expect(r.diagnostics).to.have.length(1);
      expect(r.diagnostics[0]!.code).to.equal('IO_ERROR');
      expect(formatDiagnostic(r.diagnostics[0]!)).to.equal(`${join(GOOD, 'missing.yaml')}: cannot read file: no such file`);
    }
  });

  it('loadTopologyFile names diagnostics after the path it was given', async () => {
    const file = join(dirname(GOOD), 'bad', 'speed-zero.yaml');
    const r = await loadTopologyFile(file);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.diagnostics.map(formatDiagnostic)).to.deep.equal([`${file}:5:19: spec.timing.speed: must be greater than 0, got 0`]);
  });
});
