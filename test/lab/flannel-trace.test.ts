/**
 * `kemu trace pod/a pod/b` against a running flannel cluster reproduces the textbook's step lists,
 * from the live emulation, with the real header sizes:
 *   udp:   cni0 → flannel0 → flanneld encapsulates in UDP 8285 (+28) → eth0 → peer eth0 → flanneld
 *          writes it to flannel0 → cni0 → pod
 *   vxlan: cni0 → flannel.1 adds the VXLAN header (+50 with the inner Ethernet) → UDP 8472 → peer
 *          flannel.1 decapsulates → cni0 → pod
 */
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import { traceProbe } from '../../src/lab/network/index.js';
import type { TraceStep } from '../../src/dataplane/types.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { clusterFromText } from '../support/cluster.js';
import { topologyHeader } from '../support/manifests.js';

const topology = (backend: string): string =>
  topologyHeader(`trace-${backend}`, { networking: `{cni: {plugin: flannel, backend: ${backend}}}`, speed: 10 }) + `---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: w1, containers: [{name: c, image: registry.k8s.io/pause:3.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {nodeName: w2, containers: [{name: c, image: registry.k8s.io/pause:3.10}]}
`;

/** The steps of the request only (up to the first delivery in pod b), as "node iface kind". */
function requestPath(steps: TraceStep[]): TraceStep[] {
  const end = steps.findIndex((s) => s.namespace === 'default/b' && s.kind === 'deliver');
  return steps.slice(0, end + 1).filter((s) => !['arp', 'underlay', 'hook'].includes(s.kind));
}

for (const backend of ['udp', 'vxlan']) {
  describe(`kemu trace through flannel ${backend}`, function () {
    this.timeout(30_000);
    let cluster: Cluster;
    before(async () => {
      cluster = clusterFromText(topology(backend), 'trace.yaml', { nodeAddressBase: randomNodeAddressBase() });
      await cluster.start();
    });
    after(async () => cluster?.stop());

    it('shows the textbook steps with the real header sizes', async () => {
      const r = await traceProbe(cluster.network, { src: 'pod/a', dst: 'pod/b' });
      expect(r.outcome, r.summary).to.equal('reply');
      const path = requestPath(r.steps);
      const where = path.map((s) => `${s.namespace} ${s.iface ?? '-'} ${s.kind}`);
      const tunnel = backend === 'udp' ? 'flannel0' : 'flannel.1';
      // In order: the pod sends, w1's bridge receives, the tunnel encapsulates, eth0 sends; w2 receives,
      // decapsulates on its tunnel device, cni0 forwards to pod b, which takes it.
      const expected = [
        'default/a eth0 tx', 'w1 cni0 rx', `w1 ${tunnel} encap`, 'w1 eth0 tx',
        'w2 eth0 rx', `w2 ${tunnel} decap`, 'w2 cni0 tx', 'default/b eth0 rx', 'default/b eth0 deliver',
      ];
      let at = 0;
      for (const e of expected) {
        const i = where.indexOf(e, at);
        expect(i, `${e} after step ${at} in:\n${where.join('\n')}`).to.be.at.least(at);
        at = i + 1;
      }
      const inner = path.find((s) => s.namespace === 'w1' && s.iface === 'cni0' && s.kind === 'rx')!.bytes!;
      const outer = path.find((s) => s.namespace === 'w1' && s.iface === 'eth0' && s.kind === 'tx')!.bytes!;
      expect(outer - inner, 'encapsulation overhead at the IP layer').to.equal(backend === 'udp' ? 28 : 50);
      const encap = path.find((s) => s.kind === 'encap')!;
      expect(encap.detail).to.match(backend === 'udp' ? /flanneld: udp 8285 to 172\.18\.\d+\.\d+:8285/ : /vxlan vni 1 .*:8472/);
    });
  });
}
