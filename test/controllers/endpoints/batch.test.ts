/**
 * --endpoint-updates-batch-period / --endpointslice-updates-batch-period: pod changes wait for the
 * batch period and become one write; Service changes are synced at once. With 0 (the default, as
 * in Kubernetes) nothing waits, but the pod changes of one event-loop turn are still one sync.
 * Driven by a FakeClock, so "nothing written yet" is a fact, not a race.
 */
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../../support/api.js';
import { InformerFactory } from '../../../src/api/client/factory.js';
import { FakeClock } from '../../../src/util/clock.js';
import { EndpointsController } from '../../../src/controllers/endpoints/controller.js';
import { EndpointSliceController } from '../../../src/controllers/endpointslice/controller.js';
import { DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS } from '../../../src/controllers/endpoints/pods.js';
import type { Watch } from '../../../src/api/client.js';
import { ipOf, makeNode, makePod, makeService, settle, until } from './cluster.js';

type Ctl = EndpointsController | EndpointSliceController;

const KINDS: { name: string; resource: string; make(o: { api: TestApi; factory: InformerFactory; clock: FakeClock; batch?: number }): Ctl; count(api: TestApi): Promise<number> }[] = [
  {
    name: 'Endpoints',
    resource: 'endpoints',
    make: ({ api, factory, clock, batch }) => new EndpointsController({ client: api.client, factory, clock, updatesBatchPeriodMs: batch }),
    count: async (api) => {
      const ep = await api.client.get('endpoints', 'default', 'web').catch(() => undefined) as { subsets?: Array<{ addresses?: unknown[] }> } | undefined;
      return (ep?.subsets ?? []).reduce((n: number, s: { addresses?: unknown[] }) => n + (s.addresses?.length ?? 0), 0);
    },
  },
  {
    name: 'EndpointSlices',
    resource: 'endpointslices',
    make: ({ api, factory, clock, batch }) => new EndpointSliceController({ client: api.client, factory, clock, updatesBatchPeriodMs: batch }),
    count: async (api) => {
      const list = await api.client.list('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
      return (list.items as Array<{ endpoints?: unknown[] }>).reduce((n: number, s) => n + (s.endpoints?.length ?? 0), 0);
    },
  },
];

for (const kind of KINDS) {
  describe(`${kind.name} controller: updates batch period`, () => {
    let api: TestApi;
    let factory: InformerFactory;
    let ctl: Ctl | undefined;
    let watch: Watch | undefined;
    let writes = 0;
    const clock = new FakeClock(0);

    beforeEach(async () => {
      api = await startTestApi();
      factory = new InformerFactory(api.client, clock);
      await makeNode(api, 'node-a');
      writes = 0;
      watch = api.client.watch(kind.resource, { namespace: 'default' }, { onEvent: (ev) => ev.type === 'MODIFIED' && writes++ });
    });

    afterEach(async () => {
      watch?.stop();
      await ctl?.stop();
      factory.stop();
      await api.close();
    });

    it('defaults to 0, as Kubernetes does', () => {
      expect(DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS).to.equal(0);
    });

    it('syncs a Service at once, and the pod changes of one period with one write when it ends', async () => {
      ctl = kind.make({ api, factory, clock, batch: 1000 });
      await ctl.start();
      await makeService(api, 'web');
      await until('the Service synced without waiting', async () => (await api.client.list(kind.resource, { namespace: 'default' })).items.length > 0);
      await settle();
      const before = writes;
      for (let i = 0; i < 3; i++) await makePod(api, `p${i}`, { ip: ipOf(i) });
      await settle();
      expect(await kind.count(api)).to.equal(0);
      clock.advance(999);
      await settle();
      expect(await kind.count(api)).to.equal(0);
      clock.advance(1);
      await until('three endpoints', async () => (await kind.count(api)) === 3);
      await settle();
      expect(writes - before).to.equal(1);
    });

    it('without a period follows pod changes with no time passing, one write per burst', async () => {
      ctl = kind.make({ api, factory, clock });
      await ctl.start();
      await makeService(api, 'web');
      await until('the Service synced', async () => (await api.client.list(kind.resource, { namespace: 'default' })).items.length > 0);
      await settle();
      const before = writes;
      // Three pods created and made ready in one turn of the event loop (in-process calls only).
      for (let i = 0; i < 3; i++) await makePod(api, `p${i}`, { ip: ipOf(i) });
      await until('three endpoints, no time passing', async () => (await kind.count(api)) === 3);
      await settle();
      expect(writes - before).to.equal(1);
      await makePod(api, 'p3', { ip: ipOf(3) });
      await until('a fourth', async () => (await kind.count(api)) === 4);
      expect(writes - before).to.equal(2);
    });
  });
}
