/**
 * A scenario run against a small in-process cluster (flannel VXLAN, three nodes, real UDP on
 * loopback): each kind of step measures what it should from the live emulation, a failing assert
 * and a step that cannot run make the run unsuccessful, and the cluster is torn down afterwards.
 * One run feeds every check below (a cluster start is the expensive part).
 */
import { expect } from 'chai';
import { runSucceeded, runTopology } from '../../src/scenario/run.js';
import type { RunResult, StepResult } from '../../src/scenario/types.js';
import { formatDiagnostic, loadTopologyText } from '../../src/topology/load.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { serviceManifest } from '../support/manifests.js';

const TOPOLOGY = `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: runner}
spec:
  underlay: {links: {rate: 50mbit}}
  nodes: [{name: cp, role: control-plane}, {name: w1}, {name: w2}]
  timing: {speed: 20}
  scenario:
    - {step: wait-ready, name: ready, timeout: 20s}
    - {step: measure, name: state}
    - {step: ping, name: same-node, from: pod/client, to: pod/app=web@w1, count: 5}
    - {step: ping, name: cross-node, from: pod/client, to: pod/app=web@w2, count: 5}
    - {step: udp, name: udp, from: pod/client, to: service/web:81, count: 8}
    - {step: tcp, name: bulk, from: pod/client, to: pod/app=web@w2, bytes: 256KiB, timeout: 10s}
    - {step: http, name: svc, from: pod/client, to: service/web:80, count: 12}
    - {step: dns, name: dns, from: pod/client, query: web.default.svc.cluster.local., count: 3}
    - {step: reachability, name: matrix, pods: app=web, count: 2}
    - {step: scale, name: scale, deployment: extra, replicas: 2, timeout: 10s}
    - {step: http, name: bg, from: pod/client, to: service/web:80, duration: 3s, interval: 50ms, timeout: 300ms, background: true}
    - {step: node-stop, name: stop, node: w2, traffic: bg, observe: 5s}
    - {step: await, of: bg}
    - {step: ping, name: missing, from: pod/nope, to: node/w1}
    - {step: assert, name: pass, of: same-node, reachable: true, successRate: 100%}
    - {step: assert, name: fail, of: cross-node, latencyUnder: 1us}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080, --udp-port=8081]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: extra}
spec:
  replicas: 1
  selector: {matchLabels: {app: extra}}
  template:
    metadata: {labels: {app: extra}}
    spec:
      containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [pause]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: w1
  containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [pause]}]
${serviceManifest('web', '[{name: http, port: 80, targetPort: 8080}, {name: udp, port: 81, targetPort: 8081, protocol: UDP}]')}`;

describe('scenario runner against a running cluster', function () {
  this.timeout(30_000);
  let r: RunResult;
  const step = (label: string): StepResult => {
    const s = r.steps.find((x) => x.label === label);
    if (s === undefined) throw new Error(`no step ${label}`);
    return s;
  };
  const data = <K extends NonNullable<StepResult['data']>['kind']>(label: string, kind: K) => {
    const d = step(label).data;
    if (d?.kind !== kind) throw new Error(`${label}: ${step(label).summary}`);
    return d as Extract<NonNullable<StepResult['data']>, { kind: K }>;
  };

  before(async () => {
    const loaded = loadTopologyText(TOPOLOGY, 'runner.yaml');
    if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
    r = await runTopology(loaded.value, { nodeAddressBase: randomNodeAddressBase() });
  });

  it('runs every step in order and records where each is written', () => {
    expect(r.error).to.equal(null);
    expect(r.steps.map((s) => s.label)).to.deep.equal([
      'ready', 'state', 'same-node', 'cross-node', 'udp', 'bulk', 'svc', 'dns', 'matrix', 'scale', 'bg', 'stop', '#13 await', 'missing', 'pass', 'fail',
    ]);
    expect(step('cross-node').where).to.equal('runner.yaml:12:7');
    expect(step('ready').status, step('ready').summary).to.equal('ok');
  });

  it('measures the setup: network ready and the Node watch traffic of an agent', () => {
    expect(r.setup!.networkReadyMs).to.be.a('number').greaterThan(0);
    expect(r.setup!.apiWatch.agents).to.equal(3);
    expect(r.setup!.apiWatch.setup.events).to.be.greaterThan(3);
    expect(r.setup!.apiWatch.setup.bytes).to.be.greaterThan(r.setup!.apiWatch.setup.events * 500);
    expect(r.setup!.bgp.total.messages).to.equal(0);
  });

  it('reads the kernel state: VXLAN device, its FDB, pod MTU 1450', () => {
    const m = data('state', 'measure').snapshot;
    const w1 = m.nodes.find((n) => n.node === 'w1')!;
    expect(w1.tunnels).to.deep.equal([{ name: 'flannel.1', kind: 'vxlan', mtu: 1450 }]);
    expect(w1.fdb).to.be.at.least(2);
    expect(w1.podMtus).to.deep.equal([1450]);
    expect(w1.natRules).to.be.greaterThan(5);
  });

  it('pings within a node without overhead and across nodes through 50 bytes of VXLAN', () => {
    const same = data('same-node', 'ping');
    expect([same.path, same.received, same.wire]).to.deep.equal(['same-node', 5, null]);
    const cross = data('cross-node', 'ping');
    expect([cross.path, cross.received]).to.deep.equal(['cross-node', 5]);
    expect(cross.wire).to.deep.include({ overhead: 50, encapsulation: 'vxlan', port: 8472, innerBytes: 84 });
    expect(cross.latencyMs!.p50).to.be.greaterThan(0);
  });

  it('spreads UDP and HTTP over the Service\'s endpoints', () => {
    const udp = data('udp', 'udp');
    expect(udp.received).to.equal(8);
    expect(udp.spread!.expected).to.have.length(2);
    const http = data('svc', 'http');
    expect(http.succeeded).to.equal(12);
    expect(Object.keys(http.spread!.hits).every((h) => http.spread!.expected.includes(h))).to.equal(true);
  });

  it('moves bytes over TCP and counts the underlay frames it took', () => {
    const t = data('bulk', 'tcp');
    expect(t.completed, t.error ?? '').to.equal(true);
    expect(t.received).to.equal(256 * 1024);
    expect(t.podMtu).to.equal(1450);
    // 256 KiB in segments of at most 1410 bytes: at least 186 data frames, plus the ACKs.
    expect(t.underlayPackets).to.be.greaterThan(186);
    expect(t.goodputMbps!).to.be.greaterThan(1).and.lessThan(50);
  });

  it('resolves names through the pod\'s resolv.conf and the cluster DNS', () => {
    const d = data('dns', 'dns');
    expect(d.succeeded).to.equal(3);
    expect(d.answers).to.have.length(1);
  });

  it('builds the reachability matrix of every pair', () => {
    const m = data('matrix', 'reachability');
    expect(m.pods.map((p) => p.node)).to.deep.equal(['w1', 'w2']);
    expect(m.cells.map((c) => [c.from.node, c.to.node, c.ok])).to.deep.equal([['w1', 'w2', true], ['w2', 'w1', true]]);
  });

  it('scales a Deployment and waits for the replicas', () => {
    expect(step('scale').status, step('scale').summary).to.equal('ok');
  });

  it('measures a node stop: endpoints updated, flannel routes kept, traffic restored', () => {
    const s = data('stop', 'node-stop');
    expect(s.endpointsOnNode).to.be.at.least(1);
    expect(s.endpointsUpdatedMs).to.be.a('number');
    expect(s.routesToNode).to.be.greaterThan(0);
    expect(s.routesWithdrawnMs).to.equal(null); // flannel keeps a stopped node's routes while its Node exists
    expect(s.requestsDuring).to.be.greaterThan(0);
    expect(s.trafficRestoredMs).to.be.a('number');
    expect(step('bg').background).to.equal(true);
  });

  it('reports a step that cannot run as an error, and a failing assert; the run is then unsuccessful', () => {
    expect(step('missing').status).to.equal('error');
    expect(step('missing').error).to.contain('pod default/nope is not running');
    expect(step('pass').status).to.equal('ok');
    expect(step('fail').status).to.equal('failed');
    expect(r.asserts).to.deep.equal({ total: 2, passed: 1, failed: 1 });
    expect(runSucceeded(r)).to.equal(false);
  });
});
