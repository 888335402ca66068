/** kube-proxy's own /healthz and /livez (ProxyHealthServer): the state, the answers, and the proxier's reports. */
import { expect } from 'chai';
import type { Node } from '../../../src/api/types.js';
import { Netfilter } from '../../../src/dataplane/netfilter/index.js';
import { IptablesProxier, ProxyHealth, TO_BE_DELETED_TAINT } from '../../../src/proxy/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { CONFIG, service } from '../fixtures.js';

const node = (extra: { taints?: Array<{ key: string; effect: string }>; deleting?: boolean } = {}): Node => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: 'w1', ...(extra.deleting ? { deletionTimestamp: '2026-11-22T10:00:00Z' } : {}) },
  spec: { ...(extra.taints ? { taints: extra.taints as Node['spec']['taints'] } : {}) },
} as Node);

describe('proxy/ProxyHealth (kube-proxy healthz, port 10256)', () => {
  const TIMEOUT = 60_000; // 2 × syncPeriod 30 s

  it('is healthy while starting, when synced, and while a queued update is not yet late', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10, 0, 0));
    const h = new ProxyHealth(clock, TIMEOUT);
    h.queuedUpdate();
    clock.advance(TIMEOUT * 2);
    expect(h.isHealthy(), 'never synced yet: starting').to.equal(true);
    h.updated();
    h.queuedUpdate();
    clock.advance(TIMEOUT - 1);
    expect(h.isHealthy()).to.equal(true);
    h.queuedUpdate(); // a newer one does not move the oldest
    clock.advance(1);
    expect(h.isHealthy()).to.equal(false);
    h.updated();
    expect(h.isHealthy()).to.equal(true);
  });

  it('answers 200 with kube-proxy\'s JSON, lastUpdated = now when healthy', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10, 0, 0));
    const h = new ProxyHealth(clock, TIMEOUT);
    clock.advance(1500);
    h.updated();
    const r = h.respond('/healthz');
    expect(r.status).to.equal(200);
    expect(r.headers['Content-Type']).to.equal('application/json');
    expect(r.body).to.equal('{"lastUpdated": "2026-11-22 10:00:01.5 +0000 UTC m=+1.500000000","currentTime": "2026-11-22 10:00:01.5 +0000 UTC m=+1.500000000", "nodeEligible": true}');
    expect(h.respond('/livez').body).to.equal('{"lastUpdated": "2026-11-22 10:00:01.5 +0000 UTC m=+1.500000000","currentTime": "2026-11-22 10:00:01.5 +0000 UTC m=+1.500000000"}');
  });

  it('answers 503 with the last sync time once an update is late, on both paths', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10, 0, 0));
    const h = new ProxyHealth(clock, TIMEOUT);
    h.updated();
    clock.advance(1000);
    h.queuedUpdate();
    clock.advance(TIMEOUT);
    for (const path of ['/healthz', '/livez?verbose']) {
      const r = h.respond(path);
      expect(r.status, path).to.equal(503);
      expect(JSON.parse(r.body).lastUpdated).to.equal('2026-11-22 10:00:00 +0000 UTC m=+0.000000000');
      expect(JSON.parse(r.body).currentTime).to.equal('2026-11-22 10:01:01 +0000 UTC m=+61.000000000');
    }
  });

  it('/healthz says 503 and nodeEligible false for a node being deleted or tainted for deletion; /livez stays 200', () => {
    const clock = new FakeClock();
    const h = new ProxyHealth(clock, TIMEOUT);
    h.updated();
    for (const n of [node({ deleting: true }), node({ taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] })]) {
      h.syncNode(n);
      expect(h.respond('/healthz').status).to.equal(503);
      expect(JSON.parse(h.respond('/healthz').body).nodeEligible).to.equal(false);
      expect(h.respond('/livez').status).to.equal(200);
    }
    h.syncNode(node({ taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }));
    expect(h.respond('/healthz').status).to.equal(200);
  });

  it('any other path is Go\'s 404', () => {
    const r = new ProxyHealth(new FakeClock(), TIMEOUT).respond('/metrics');
    expect([r.status, r.body]).to.deep.equal([404, '404 page not found\n']);
  });

  it('is told by the proxier: a change queues an update once initialized, a successful sync updates', () => {
    const clock = new FakeClock();
    const proxier = new IptablesProxier({ ...CONFIG, ruleset: new Netfilter().ruleset, clock, minSyncPeriodMs: 1000, syncPeriodMs: 30_000 });
    const calls: string[] = [];
    proxier.health = { queuedUpdate: () => calls.push('queued'), updated: () => calls.push('updated') };
    proxier.start();
    proxier.onServiceAdd(service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    expect(calls, 'not initialized: nothing queued').to.deep.equal([]);
    proxier.onServicesSynced();
    proxier.onEndpointSlicesSynced();
    clock.advance(0);
    expect(calls).to.deep.equal(['queued', 'updated']);
    proxier.onServiceDelete(service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    expect(calls.at(-1)).to.equal('queued');
    clock.advance(1000);
    expect(calls.at(-1)).to.equal('updated');
    proxier.stop();
  });
});
