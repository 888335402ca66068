import { expect } from 'chai';
import { ipv4 } from '../../../src/net/index.js';
import { isKemuError } from '../../../src/util/errors.js';
import { EthernetDevice, NetNamespace, formatRoute } from '../../../src/dataplane/stack/index.js';
import { newClock } from './support.js';

function nodeNamespace(): NetNamespace {
  const ns = new NetNamespace({ name: 'node', clock: newClock(), ipForward: true });
  ns.addDevice(new EthernetDevice('eth0'));
  ns.addDevice(new EthernetDevice('eth1'));
  ns.addAddress('eth0', '172.18.0.2/24');
  ns.addAddress('eth1', '192.168.5.1/24');
  return ns;
}

function expectCode(fn: () => unknown, code: string, message?: string): void {
  try {
    fn();
  } catch (err) {
    expect(isKemuError(err, code), String(err)).to.equal(true);
    if (message !== undefined) expect((err as Error).message).to.equal(message);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('dataplane/stack routes', () => {
  it('adds connected routes (proto kernel, scope link) and local/broadcast routes with addresses', () => {
    const ns = nodeNamespace();
    expect(ns.routes.list().map(formatRoute)).to.deep.equal([
      '172.18.0.0/24 dev eth0 proto kernel scope link src 172.18.0.2',
      '192.168.5.0/24 dev eth1 proto kernel scope link src 192.168.5.1',
    ]);
    expect(ns.localRoutes.list().map(formatRoute)).to.include.members([
      'local 172.18.0.2 dev eth0 proto kernel scope host src 172.18.0.2',
      'broadcast 172.18.0.255 dev eth0 proto kernel scope link src 172.18.0.2',
      'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1',
    ]);
    ns.removeAddress('eth1', '192.168.5.1/24');
    expect(ns.routes.list()).to.have.length(1);
    expect(ns.isLocalAddress(ipv4('192.168.5.1'))).to.equal(false);
  });

  it('removeAt removes what the predicate picks among one prefix\'s routes only, and lookups follow', () => {
    const ns = nodeNamespace();
    ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.0.3', metric: 10 });
    ns.routes.add({ dst: '10.244.1.0/24', via: '192.168.5.9', metric: 20 });
    ns.routes.add({ dst: '10.244.1.7/32', via: '172.18.0.9' });
    expect(formatRoute(ns.routes.lookup(ipv4('10.244.1.7'))!)).to.equal('10.244.1.7 via 172.18.0.9 dev eth0');
    expect(ns.routes.removeAt(ipv4('10.244.1.7'), 24, (r) => r.metric === 10), 'the /24 that 10.244.1.7 is in').to.equal(1);
    expect(ns.routes.removeAt(ipv4('10.244.1.8'), 32)).to.equal(0);
    expect(ns.routes.removeAt(ipv4('10.244.1.7'), 32)).to.equal(1);
    expect(formatRoute(ns.routes.lookup(ipv4('10.244.1.7'))!)).to.equal('10.244.1.0/24 via 192.168.5.9 dev eth1 metric 20');
    expect(ns.routes.list()).to.have.length(3); // two connected routes and the metric-20 /24
  });

  const lpmCases: Array<[string, string]> = [
    ['10.244.1.7', '10.244.1.0/24 via 172.18.0.3 dev eth0'],
    ['10.244.9.9', '10.244.0.0/16 via 172.18.0.4 dev eth0'],
    ['10.1.2.3', '10.0.0.0/8 dev eth1 scope link'],
    ['8.8.8.8', 'default via 172.18.0.1 dev eth0 proto static metric 100'],
    ['10.244.1.255', '10.244.1.255 via 192.168.5.9 dev eth1'],
  ];
  for (const [dst, expected] of lpmCases) {
    it(`longest prefix match: ${dst} → ${expected}`, () => {
      const ns = nodeNamespace();
      ns.routes.add({ dst: 'default', via: '172.18.0.1', proto: 'static', metric: 100 });
      ns.routes.add({ dst: '10.0.0.0/8', dev: 'eth1' });
      ns.routes.add({ dst: '10.244.0.0/16', via: '172.18.0.4' });
      ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.0.3', dev: 'eth0' });
      ns.routes.add({ dst: '10.244.1.255/32', via: '192.168.5.9' });
      expect(formatRoute(ns.routes.lookup(ipv4(dst))!)).to.equal(expected);
    });
  }

  it('orders routes of one prefix by metric and skips a route whose device is down', () => {
    const ns = nodeNamespace();
    ns.routes.add({ dst: '10.0.0.0/8', via: '192.168.5.2', metric: 200 });
    ns.routes.add({ dst: '10.0.0.0/8', via: '172.18.0.3', metric: 100 });
    expect(ns.routes.lookup(ipv4('10.1.1.1'))!.via).to.equal(ipv4('172.18.0.3'));
    ns.device('eth0')!.setUp(false);
    expect(ns.routes.lookup(ipv4('10.1.1.1'))!.via).to.equal(ipv4('192.168.5.2'));
    expectCode(() => ns.routes.add({ dst: '10.0.0.0/8', via: '192.168.5.3', metric: 200 }), 'ERR_ROUTE_EXISTS', 'RTNETLINK answers: File exists');
    ns.routes.replace({ dst: '10.0.0.0/8', via: '192.168.5.3', metric: 200 });
    expect(ns.routes.list().filter((r) => r.prefixLength === 8)).to.have.length(2);
    ns.routes.delete({ dst: '10.0.0.0/8', metric: 100 });
    expect(ns.routes.lookup(ipv4('10.1.1.1'))!.via).to.equal(ipv4('192.168.5.3'));
    expectCode(() => ns.routes.delete({ dst: '10.0.0.0/8', metric: 100 }), 'ERR_ROUTE_NOT_FOUND');
  });

  it('refuses a gateway outside every connected subnet: ERR_GATEWAY_NOT_ON_LINK, Linux message', () => {
    const ns = nodeNamespace();
    // flannel host-gw across racks: the other node is not on this L2 segment
    expectCode(() => ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.1.3' }), 'ERR_GATEWAY_NOT_ON_LINK', 'Error: Nexthop has invalid gateway.');
    expectCode(() => ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.1.3', dev: 'eth0' }), 'ERR_GATEWAY_NOT_ON_LINK');
    // on-link, but not on the device named
    expectCode(() => ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.0.3', dev: 'eth1' }), 'ERR_GATEWAY_NOT_ON_LINK');
    // a gateway reachable only through another gateway is not on-link either
    ns.routes.add({ dst: '172.30.0.0/16', via: '172.18.0.1' });
    expectCode(() => ns.routes.add({ dst: '10.244.2.0/24', via: '172.30.0.9' }), 'ERR_GATEWAY_NOT_ON_LINK');
    // `onlink` overrides the check (flannel vxlan: via 10.244.1.0 dev flannel.1 onlink)
    const r = ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.1.3', dev: 'eth0', onlink: true });
    expect(formatRoute(r)).to.equal('10.244.1.0/24 via 172.18.1.3 dev eth0 onlink');
    expectCode(() => ns.routes.add({ dst: '10.244.3.0/24', via: '172.18.1.3', onlink: true }), 'ERR_NO_SUCH_DEVICE');
  });

  it('validates prefixes and devices', () => {
    const ns = nodeNamespace();
    expectCode(() => ns.routes.add({ dst: '10.244.1.1/24', dev: 'eth0' }), 'ERR_INVALID_PREFIX', 'Error: Invalid prefix for given prefix length.');
    expectCode(() => ns.routes.add({ dst: '10.244.1.0/33', dev: 'eth0' }), 'ERR_INVALID_ADDRESS');
    expectCode(() => ns.routes.add({ dst: '10.244.1.0/24', dev: 'cni9' }), 'ERR_NO_SUCH_DEVICE', 'Cannot find device "cni9"');
  });

  it('lists blackhole, unreachable and prohibit routes without a device', () => {
    const ns = nodeNamespace();
    ns.routes.add({ dst: '10.96.0.0/12', type: 'blackhole' });
    ns.routes.add({ dst: '10.200.0.0/16', type: 'unreachable', proto: 'bird' });
    expect(ns.routes.list().map(formatRoute)).to.include.members(['blackhole 10.96.0.0/12', 'unreachable 10.200.0.0/16 proto bird']);
    expect(ns.routes.lookup(ipv4('10.96.0.10'))!.type).to.equal('blackhole');
  });

  it('looks up 10,000 routes quickly (per-prefix-length maps)', () => {
    const ns = nodeNamespace();
    for (let i = 0; i < 10_000; i++) ns.routes.add({ dst: `10.${(i >> 8) & 0xff}.${i & 0xff}.0/24`, via: '172.18.0.3' });
    const start = performance.now();
    let found = 0;
    for (let i = 0; i < 200_000; i++) if (ns.routes.lookup((0x0a000000 + i * 256 + 5) >>> 0)) found++;
    expect(found).to.be.greaterThan(0);
    expect(performance.now() - start).to.be.lessThan(1000);
  });

  it('removes a device with its routes and addresses', () => {
    const ns = nodeNamespace();
    ns.routes.add({ dst: '10.244.1.0/24', via: '192.168.5.7' });
    ns.removeDevice('eth1');
    expect(ns.routes.list().map(formatRoute)).to.deep.equal(['172.18.0.0/24 dev eth0 proto kernel scope link src 172.18.0.2']);
    expect(ns.isLocalAddress(ipv4('192.168.5.1'))).to.equal(false);
  });
});
