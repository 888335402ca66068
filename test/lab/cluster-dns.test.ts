/**
 * Cluster DNS inside the emulation, as Kubernetes runs it: the kube-dns Service on the tenth service
 * address, backed by the coredns Deployment whose emulated pods serve the cluster's chain on port 53
 * of their own namespaces. A netexec pod's /dial?host=web resolves `web` through its resolv.conf
 * (search default.svc.cluster.local ..., ndots:5) → kube-dns ClusterIP → kube-proxy → CoreDNS pod.
 */
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import type { Pod, Service } from '../../src/api/types.js';
import { httpGetFrom } from '../../src/lab/network/http-get.js';
import { resolveInNamespace } from '../../src/lab/dns/stub-resolver.js';
import { podResolvConf } from '../../src/node/resolv-conf.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { clusterFromText, endpointRules } from '../support/cluster.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';
import { until } from '../support/wait.js';
import dnsPacket from 'dns-packet';

const TOPOLOGY = topologyHeader('dns', { speed: 10 }) + netexecDeployment('web', 2)
  + serviceManifest('web', '[{name: http, port: 80, targetPort: http}, {name: udp, port: 81, targetPort: udp, protocol: UDP}]');

describe('cluster DNS inside the emulation (kube-dns Service, CoreDNS pods)', function () {
  this.timeout(40_000);
  let cluster: Cluster;
  let web: Pod[];

  before(async () => {
    cluster = clusterFromText(TOPOLOGY, 'dns.yaml', { nodeAddressBase: randomNodeAddressBase() });
    await cluster.start();
    web = (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items;
    // kube-proxy on every node knows both CoreDNS endpoints.
    await until('kube-dns endpoints in the rules', async () =>
      ['w1', 'w2'].every((n) => endpointRules(cluster, n, 'kube-system/kube-dns:dns') === 2), 15_000, 50);
  });
  after(async () => cluster?.stop());

  it('creates kube-dns on the tenth service address and runs two Ready CoreDNS pods', async () => {
    const svc = await cluster.client.get<Service>('services', 'kube-system', 'kube-dns');
    expect(svc.spec.clusterIP).to.equal('10.96.0.10');
    expect(svc.spec.ports!.map((p) => `${p.name} ${p.port}/${p.protocol}`)).to.deep.equal(['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
    const pods = (await cluster.client.list<Pod>('pods', { namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
    expect(pods).to.have.length(2);
    for (const p of pods) expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, p.metadata.name).to.equal('True');
  });

  it('a pod resolves Service names through its resolv.conf search list', async () => {
    const pod = web[0]!;
    const ns = cluster.network.pods.get(`default/${pod.metadata.name}`)!.ns;
    const conf = podResolvConf(pod, { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local' });
    const svc = await cluster.client.get<Service>('services', 'default', 'web');
    expect(await resolveInNamespace(ns, conf, 'web')).to.equal(svc.spec.clusterIP);
    expect(await resolveInNamespace(ns, conf, 'web.default')).to.equal(svc.spec.clusterIP);
    expect(await resolveInNamespace(ns, conf, 'kube-dns.kube-system.svc.cluster.local.')).to.equal('10.96.0.10');
    let error: unknown;
    await resolveInNamespace(ns, conf, 'nothing-here').catch((e: unknown) => (error = e));
    expect((error as { code?: string }).code).to.equal('ENOTFOUND');
  });

  it('netexec /dial?host=web reaches the Service by name over HTTP and UDP', async () => {
    const names = web.map((p) => p.metadata.name).sort();
    const host = cluster.network.node('w1').ns;
    for (const protocol of ['http', 'udp']) {
      const port = protocol === 'http' ? 80 : 81;
      const r = await httpGetFrom(host, {
        url: `http://${web[0]!.status!.podIP}:8080/dial?request=hostname&host=web&port=${port}&protocol=${protocol}&tries=4`,
        timeoutMs: 10_000,
        maxBodyBytes: 65536,
      });
      expect('status' in r && r.status, JSON.stringify(r)).to.equal(200);
      const body = JSON.parse((r as { body: string }).body) as { responses: string[]; errors?: string[] };
      expect(body.errors, protocol).to.equal(undefined); // agnhost leaves "errors" out when there are none
      expect(body.responses, protocol).to.have.length.greaterThan(0);
      for (const answer of body.responses) expect(names, protocol).to.include(answer);
    }
  });

  it('a Service created later resolves inside a pod and on the real listener (DNS programming latency)', async () => {
    const pod = web[1]!;
    const ns = cluster.network.pods.get(`default/${pod.metadata.name}`)!.ns;
    const conf = podResolvConf(pod, { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local' });
    const t0 = Date.now();
    const created = await cluster.client.create<Service>('services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    let inPodMs = -1;
    await until('late resolves in the pod', async () => {
      const ip = await resolveInNamespace(ns, { ...conf, timeout: 1, attempts: 1 }, 'late').catch(() => undefined);
      if (ip === created.spec.clusterIP) inPodMs = Date.now() - t0;
      return ip === created.spec.clusterIP;
    }, 15_000, 50);
    const real = cluster.dns!;
    const answer = await real.wire.handleWire(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'late.default.svc.cluster.local' }] }), 'udp');
    expect(dnsPacket.decode(answer!).answers!.map((a) => (a as { data?: unknown }).data)).to.deep.equal([created.spec.clusterIP]);
    expect(inPodMs).to.be.at.least(0);
    console.log(`      DNS programming latency (create → answered inside a pod): ${inPodMs} ms`);
  });
});
