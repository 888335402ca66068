/**
 * Partial syncs reuse what they can (each unchanged service port's entry rules, restore's parsed
 * lines); whatever they reuse, the node must end up with exactly the rules a freshly started
 * kube-proxy writes for the same Services and EndpointSlices.
 */
import { expect } from 'chai';
import { Ruleset, save } from '../../../src/dataplane/netfilter/index.js';
import { IptablesProxier } from '../../../src/proxy/iptables/proxier.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { FakeClock } from '../../../src/util/clock.js';
import { CONFIG, ep, goldenCluster, service, slice, syncInitialLists, withEndpoints } from '../fixtures.js';

/** A proxier that has done its first (full) sync of these objects. */
function started(services: readonly Service[], slices: readonly EndpointSlice[]): { clock: FakeClock; ruleset: Ruleset; p: IptablesProxier } {
  const clock = new FakeClock();
  const ruleset = new Ruleset();
  const p = new IptablesProxier({ ...CONFIG, ruleset, clock });
  syncInitialLists(p, clock, services, slices);
  expect(p.lastSync?.full).to.equal(true);
  return { clock, ruleset, p };
}

const fresh = (services: readonly Service[], slices: readonly EndpointSlice[]): string =>
  save(started(services, slices).ruleset, { tables: ['filter', 'nat'] });

describe('proxy/IptablesProxier partial syncs', () => {
  it('after a series of partial syncs the rules equal a fresh full sync of the same state', () => {
    const { services, slices } = goldenCluster();
    for (let i = 0; i < 50; i++) {
      services.push(service('bulk', `svc-${i}`, { clusterIP: `10.97.0.${i + 1}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
      slices.push(slice('bulk', `svc-${i}`, `svc-${i}-a`, [ep(`10.245.0.${i + 1}`, 'worker-2')], [{ name: 'http', port: 8080 }]));
    }
    const { clock, ruleset, p } = started(services, slices);
    const step = (change: () => void): void => {
      clock.advance(1000);
      change();
      clock.advance(0);
      expect(p.lastSync?.full, 'a partial sync').to.equal(false);
    };
    const replaceSlice = (name: string, next: (s: EndpointSlice) => EndpointSlice): void => {
      const i = slices.findIndex((s) => s.metadata.name === name);
      const old = slices[i]!;
      slices[i] = next(old);
      p.onEndpointSliceUpdate(old, slices[i]!);
    };
    // An endpoint moves; a service loses every endpoint (its entry rule becomes a REJECT); one gets
    // them back; a service changes its port; one is deleted; one is added.
    step(() => replaceSlice('web-2', (s) => withEndpoints(s, [ep('10.244.2.7', 'worker-2')])));
    step(() => replaceSlice('svc-3-a', (s) => withEndpoints(s, [])));
    step(() => replaceSlice('svc-3-a', (s) => withEndpoints(s, [ep('10.245.1.3', 'worker-1')])));
    step(() => {
      const i = services.findIndex((s) => s.metadata.name === 'svc-7');
      const old = services[i]!;
      services[i] = { ...old, metadata: { ...old.metadata, resourceVersion: 'x7' }, spec: { ...old.spec, ports: [{ name: 'http', port: 81, protocol: 'TCP' }] } };
      p.onServiceUpdate(old, services[i]!);
    });
    step(() => {
      const i = services.findIndex((s) => s.metadata.name === 'svc-9');
      p.onServiceDelete(services[i]!);
      services.splice(i, 1);
    });
    step(() => {
      const s = service('bulk', 'late', { clusterIP: '10.97.1.1', type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30500 }] });
      const sl = slice('bulk', 'late', 'late-a', [ep('10.245.2.1', 'worker-1')], [{ name: 'http', port: 8080 }]);
      services.push(s);
      slices.push(sl);
      p.onServiceAdd(s);
      p.onEndpointSliceAdd(sl);
    });
    const text = save(ruleset, { tables: ['filter', 'nat'] });
    expect(text).to.include('-A KUBE-SERVICES -d 10.97.0.8/32 -p tcp -m comment --comment "bulk/svc-7:http cluster IP" -m tcp --dport 81');
    expect(text).to.not.include('bulk/svc-9:http');
    expect(text).to.include('--to-destination 10.245.1.3:8080');
    // Chains are listed by name in both; rules within a chain in their order.
    expect(text).to.equal(fresh(services, slices));
  });

  it('a rewritten chain starts with zeroed counters even when its lines come from the parse cache', () => {
    const { services, slices } = goldenCluster();
    const { clock, ruleset, p } = started(services, slices);
    const first = ruleset.chain('nat', 'KUBE-SERVICES')!.rules[0]!;
    first.counters.packets = 7;
    clock.advance(1000);
    p.forceFullSync();
    clock.advance(0);
    const again = ruleset.chain('nat', 'KUBE-SERVICES')!.rules[0]!;
    expect(again).to.not.equal(first);
    expect(again.counters).to.deep.equal({ packets: 0, bytes: 0 });
    expect(first.counters.packets).to.equal(7);
  });
});
