/**
 * The Proxier shell: handlers → trackers → runner → restore into a host's Ruleset, with partial syncs
 * measured by which chains the restore actually replaced (a Ruleset keeps the identity of chains an
 * iptables-restore did not touch).
 */
import { expect } from 'chai';
import { Ruleset, iptables, save, type Chain } from '../../../src/dataplane/netfilter/index.js';
import { IptablesProxier } from '../../../src/proxy/iptables/proxier.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { FakeClock } from '../../../src/util/clock.js';
import { CONFIG, ep, goldenCluster, goldenClusterAndBulk, syncInitialLists, withEndpoints } from '../fixtures.js';

const TOP_NAT = ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES'];
const TOP_FILTER = ['KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES'];

function start(extraServices: number) {
  const clock = new FakeClock();
  const ruleset = new Ruleset();
  const errors: unknown[] = [];
  const proxier = new IptablesProxier({ ...CONFIG, ruleset, clock, onError: (e) => errors.push(e) });
  const { services, slices } = goldenClusterAndBulk(extraServices);
  syncInitialLists(proxier, clock, services, slices);
  return { clock, ruleset, proxier, services, slices, errors };
}

/** Chain objects by table/name: compare two snapshots to see what a restore replaced. */
function snapshot(rs: Ruleset): Map<string, Chain> {
  const out = new Map<string, Chain>();
  for (const t of ['filter', 'nat'] as const) for (const [n, c] of rs.table(t).chains) out.set(`${t}/${n}`, c);
  return out;
}

function replaced(before: Map<string, Chain>, after: Map<string, Chain>): string[] {
  return [...after].filter(([k, c]) => before.get(k) !== c).map(([k]) => k).sort();
}

const webSlice = (slices: EndpointSlice[]) => slices.find((s) => s.metadata.name === 'web-2')!;

describe('proxy/IptablesProxier', () => {
  it('does not sync before both initial lists arrived, then does a full sync with the jump rules', () => {
    const clock = new FakeClock();
    const ruleset = new Ruleset();
    const proxier = new IptablesProxier({ ...CONFIG, ruleset, clock });
    proxier.start();
    proxier.onServiceAdd(goldenCluster().services[0]!);
    proxier.onServicesSynced();
    clock.advance(5000);
    expect(proxier.lastSync).to.equal(undefined);
    proxier.onEndpointSlicesSynced();
    clock.advance(0);
    expect(proxier.lastSync).to.deep.include({ full: true, services: 1 });
    const nat = save(ruleset, { tables: ['nat'] });
    expect(nat).to.include('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(nat).to.include('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
    expect(iptables(ruleset, '-S FORWARD').output.split('\n').slice(1, 5)).to.deep.equal([
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
  });

  for (const extra of [10, 300]) {
    it(`one EndpointSlice change rewrites that service's chains only (${extra} other services)`, () => {
      const { clock, ruleset, proxier, slices } = start(extra);
      const before = snapshot(ruleset);
      const web2 = webSlice(slices);
      proxier.onEndpointSliceUpdate(web2, withEndpoints(web2, [ep('10.244.2.6', 'worker-2'), ep('10.244.2.7', 'worker-2')]));
      clock.advance(1000);
      expect(proxier.lastSync).to.deep.include({ full: false, writtenChains: 6, deletedChains: 0 });
      expect(proxier.lastOutput!.writtenChains).to.deep.equal([
        'KUBE-EXT-CDGGSHYLG3RE2FKL', 'KUBE-SVC-CDGGSHYLG3RE2FKL', 'KUBE-SEP-AFGSLHOD2HFNCBX4', 'KUBE-SEP-3OLK2YUW6LHBC4UX',
        'KUBE-SEP-2RIJ5GIYXEFH6G4D', 'KUBE-SEP-DY76ZDMWORDP4GAT',
      ]);
      // Replaced: the top-level chains (always rewritten) and the web service's; nothing else.
      expect(replaced(before, snapshot(ruleset))).to.deep.equal([
        ...TOP_FILTER.map((c) => `filter/${c}`),
        'nat/KUBE-EXT-CDGGSHYLG3RE2FKL', ...TOP_NAT.slice(0, 3).map((c) => `nat/${c}`),
        'nat/KUBE-SEP-3OLK2YUW6LHBC4UX', 'nat/KUBE-SEP-AFGSLHOD2HFNCBX4', 'nat/KUBE-SEP-DY76ZDMWORDP4GAT', 'nat/KUBE-SEP-2RIJ5GIYXEFH6G4D',
        'nat/KUBE-SERVICES', 'nat/KUBE-SVC-CDGGSHYLG3RE2FKL',
      ].sort());
      expect(ruleset.chain('nat', 'KUBE-SVC-CDGGSHYLG3RE2FKL')!.rules.length, 'masq + 4 affinity + 4 spread').to.equal(9);
    });
  }

  it('a removed endpoint\'s chain is flushed and deleted; a deleted service\'s chains all go', () => {
    const { clock, ruleset, proxier, slices, services } = start(0);
    const web2 = webSlice(slices);
    proxier.onEndpointSliceDelete(web2);
    clock.advance(1000);
    expect(proxier.lastOutput!.deletedChains).to.deep.equal(['KUBE-SEP-3OLK2YUW6LHBC4UX']);
    expect(ruleset.chain('nat', 'KUBE-SEP-3OLK2YUW6LHBC4UX')).to.equal(undefined);
    proxier.onServiceDelete(services.find((s) => s.metadata.name === 'web')!);
    clock.advance(1000);
    expect(proxier.lastOutput!.deletedChains).to.deep.equal([
      'KUBE-EXT-CDGGSHYLG3RE2FKL', 'KUBE-SEP-AFGSLHOD2HFNCBX4', 'KUBE-SEP-DY76ZDMWORDP4GAT', 'KUBE-SVC-CDGGSHYLG3RE2FKL',
    ]);
    expect(save(ruleset)).to.not.include('CDGGSHYLG3RE2FKL');
    expect(save(ruleset)).to.not.include('default/web');
  });

  it('a burst of changes costs one sync per minSyncPeriod', () => {
    const { clock, proxier, slices } = start(0);
    const runs = proxier.runner.runs;
    let web2 = webSlice(slices);
    for (let i = 0; i < 50; i++) {
      const next = withEndpoints(web2, [ep(`10.244.2.${100 + i}`, 'worker-2')]);
      proxier.onEndpointSliceUpdate(web2, next);
      web2 = next;
      clock.advance(30);
    }
    clock.advance(1000);
    expect(proxier.runner.runs - runs).to.be.at.most(3);
    expect(proxier.endpointsMap.get('default/web:http/TCP')!.map((e) => e.ip)).to.include('10.244.2.149');
  });

  it('resyncs every syncPeriod (partial, no service chains), and fully every fullSyncPeriod', () => {
    const { clock, proxier } = start(5);
    clock.advance(30_000);
    expect(proxier.lastSync).to.deep.include({ full: false, writtenChains: 0 });
    clock.advance(3_600_000);
    expect(proxier.lastSync!.full).to.equal(true);
  });

  it('after a failed restore, retries and makes the next sync a full one', () => {
    const { clock, ruleset, proxier, services, errors } = start(0);
    // Someone else's rule jumps into a kube-proxy chain: deleting that chain fails, as iptables-restore would.
    iptables(ruleset, '-t nat -A OUTPUT -d 203.0.113.1/32 -j KUBE-SVC-NPX46M4PTMTKRN6Y');
    proxier.onServiceDelete(services.find((s) => s.metadata.name === 'kubernetes')!);
    clock.advance(1000);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.have.property('code', 'ERR_IPT_CHAIN_IN_USE');
    expect(ruleset.chain('nat', 'KUBE-SVC-NPX46M4PTMTKRN6Y'), 'all or nothing').to.not.equal(undefined);
    iptables(ruleset, '-t nat -D OUTPUT -d 203.0.113.1/32 -j KUBE-SVC-NPX46M4PTMTKRN6Y');
    clock.advance(1000);
    expect(proxier.lastSync).to.deep.include({ full: true, deletedChains: 2 });
    expect(ruleset.chain('nat', 'KUBE-SVC-NPX46M4PTMTKRN6Y')).to.equal(undefined);
  });

  it('Local policies differ per node: each node dispatches to its own endpoints', () => {
    const rulesOn = (node: string): Ruleset => {
      const clock = new FakeClock();
      const ruleset = new Ruleset();
      const p = new IptablesProxier({ ...CONFIG, nodeName: node, ruleset, clock });
      const { services, slices } = goldenCluster();
      p.start();
      services.forEach((s: Service) => p.onServiceAdd(s));
      slices.forEach((s) => p.onEndpointSliceAdd(s));
      p.onServicesSynced();
      p.onEndpointSlicesSynced();
      clock.advance(0);
      return ruleset;
    };
    const svl = (rs: Ruleset) => iptables(rs, '-t nat -S').output.split('\n').filter((l) => l.startsWith('-A KUBE-SVL-NEXWZWH5PGMW4KIO'));
    expect(svl(rulesOn('worker-1'))).to.deep.equal(['-A KUBE-SVL-NEXWZWH5PGMW4KIO -m comment --comment "default/local -> 10.244.1.8:80" -j KUBE-SEP-7IWAMUI7DPPWYRMN']);
    expect(svl(rulesOn('worker-2'))).to.deep.equal(['-A KUBE-SVL-NEXWZWH5PGMW4KIO -m comment --comment "default/local -> 10.244.2.9:80" -j KUBE-SEP-F3D75ZHNB6SQ3EAS']);
    // No endpoint on worker-3: NodePort traffic from outside is dropped there (pods and the node still get through KUBE-EXT).
    const w3 = rulesOn('worker-3');
    expect(svl(w3)).to.deep.equal([]);
    expect(iptables(w3, '-S KUBE-EXTERNAL-SERVICES').output).to.include(
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/local has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30081 -j DROP');
    expect(iptables(w3, '-t nat -S KUBE-EXT-NEXWZWH5PGMW4KIO').output).to.not.include('KUBE-SVL-');
  });
});
