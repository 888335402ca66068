/**
 * BIRD's kernel programming on a bare host namespace: a partial update touches only the prefixes
 * it names, removals never walk the whole table (a walk per route made a session loss with 100,000
 * routes take minutes), and next-hop resolution is asked once per next hop and pass.
 */
import { expect } from 'chai';
import { BIRD_PROTO, type BirdRouteContext, RouteProgrammer, birdRoute, resolveNextHop, resolvingOnce } from '../../../src/cni/calico/kernel-routes.js';
import { formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { EthernetDevice, NetNamespace } from '../../../src/dataplane/stack/index.js';
import { ipv4 } from '../../../src/net/index.js';
import { RealClock } from '../../../src/util/clock.js';

function host(): NetNamespace {
  const ns = new NetNamespace({ name: 'node', clock: new RealClock(), ipForward: true });
  const eth0 = ns.addDevice(new EthernetDevice('eth0'));
  ns.addAddress(eth0, '172.18.0.3/24');
  ns.routes.add({ dst: 'default', via: '172.18.0.1', dev: 'eth0' });
  return ns;
}

const quiet = { set: () => {}, clear: () => {} };

function context(ns: NetNamespace): BirdRouteContext {
  return { uplink: 'eth0', tunnel: undefined, crossSubnet: false, sameSubnet: () => true, resolve: (nh) => resolveNextHop(ns, nh) };
}

function want(ns: NetNamespace, i: number, via = '172.18.0.4') {
  return birdRoute([(ipv4('16.0.0.0') + i * 256) >>> 0, 24], ipv4(via), context(ns))!;
}

describe('cni/calico: kernel route programming', () => {
  it('update() adds, changes and removes only the prefixes it names', () => {
    const ns = host();
    const p = new RouteProgrammer(ns, quiet, 'bird');
    p.apply(new Map([['16.0.0.0/24', want(ns, 0)], ['16.0.1.0/24', want(ns, 1)]]));
    expect(p.update(new Map([['16.0.1.0/24', want(ns, 1, '172.18.0.5')], ['16.0.2.0/24', want(ns, 2)]]))).to.equal(2);
    expect(p.update(new Map([['16.0.0.0/24', undefined]]))).to.equal(1);
    const text = formatRoutes(ns);
    expect(text).to.not.include('16.0.0.0/24');
    expect(text).to.include('16.0.1.0/24 via 172.18.0.5 dev eth0 proto bird');
    expect(text).to.include('16.0.2.0/24 via 172.18.0.4 dev eth0 proto bird');
    expect(p.update(new Map([['16.0.2.0/24', want(ns, 2)]]))).to.equal(0); // already right: untouched
  });

  it('removes a batch of routes without a walk over the table, leaving other owners\' routes', () => {
    const ns = host();
    const p = new RouteProgrammer(ns, quiet, 'bird');
    const n = 2_000;
    const all = new Map(Array.from({ length: n }, (_, i) => [`16.${i >> 8}.${i & 255}.0/24`, want(ns, i)] as const));
    p.apply(all);
    expect(ns.routes.list().filter((r) => r.proto === BIRD_PROTO)).to.have.length(n);
    const others = ns.routes.size - n;
    let scans = 0;
    const removeWhere = ns.routes.removeWhere.bind(ns.routes);
    ns.routes.removeWhere = (pred) => {
      scans++;
      return removeWhere(pred);
    };
    expect(p.update(new Map([...all.keys()].map((k) => [k, undefined])))).to.equal(n);
    expect(scans).to.equal(0); // each removal looks at its own prefix only (removeAt)
    expect(ns.routes.list().some((r) => r.proto === BIRD_PROTO)).to.equal(false);
    expect(ns.routes.size).to.equal(others);
    expect(formatRoutes(ns)).to.include('default via 172.18.0.1 dev eth0');
  });

  it('resolves each next hop once per pass', () => {
    const ns = host();
    let asked = 0;
    const ctx = resolvingOnce({ ...context(ns), resolve: (nh) => (asked++, resolveNextHop(ns, nh)) });
    for (let i = 0; i < 100; i++) birdRoute([(ipv4('16.0.0.0') + i * 256) >>> 0, 24], ipv4('198.51.100.2'), ctx);
    expect(asked).to.equal(1);
    expect(birdRoute([ipv4('16.0.0.0'), 24], ipv4('198.51.100.2'), ctx)).to.deep.include({ via: ipv4('172.18.0.1'), dev: 'eth0', onlink: false });
  });
});
