/** iproute2-shaped views of a namespace, against expected text (a flannel host, built by hand). */
import { expect } from 'chai';
import {
  formatAddresses, formatBridgeFdb, formatLink, formatLinks, formatNeighbours, formatRoutes,
} from '../../../src/dataplane/iproute/index.js';
import { Bridge, EthernetDevice, IpipDevice, NetNamespace, TunDevice, VethPair, VxlanDevice } from '../../../src/dataplane/stack/index.js';
import { ipv4, mac } from '../../../src/net/index.js';
import { FakeClock } from '../../../src/util/clock.js';

function flannelHost(): NetNamespace {
  const ns = new NetNamespace({ name: 'w1', clock: new FakeClock(), ipForward: true });
  const eth0 = ns.addDevice(new EthernetDevice('eth0', { mac: mac('02:42:ac:12:00:03') }));
  ns.addAddress(eth0, '172.18.0.3/24');
  ns.routes.add({ dst: 'default', via: '172.18.0.1', dev: 'eth0' });
  const cni0 = ns.addDevice(new Bridge('cni0', { mac: mac('8e:11:22:33:44:55'), mtu: 1450 }));
  ns.addAddress(cni0, '10.244.1.1/24');
  const pair = new VethPair('veth1a2b3c4d', 'eth0', { macA: mac('6a:00:00:00:00:01'), macB: mac('0a:58:0a:f4:01:02'), mtu: 1450 });
  ns.addDevice(pair.a);
  cni0.addPort(pair.a);
  const vx = ns.addDevice(new VxlanDevice('flannel.1', { vni: 1, port: 8472, local: '172.18.0.3', mac: mac('ce:4a:1e:00:00:01') }));
  ns.addAddress(vx, '10.244.1.0/32');
  ns.neighbours.add(vx, ipv4('10.244.2.0'), mac('ce:4a:1e:00:00:02'));
  vx.fdbAdd('ce:4a:1e:00:00:02', '172.18.0.4');
  ns.routes.add({ dst: '10.244.2.0/24', via: '10.244.2.0', dev: 'flannel.1', onlink: true });
  return ns;
}

describe('dataplane/iproute: iproute2-shaped views', () => {
  it('ip route: kernel routes, the default route and flannel\'s onlink route', () => {
    expect(formatRoutes(flannelHost())).to.equal([
      'default via 172.18.0.1 dev eth0',
      '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
      '172.18.0.0/24 dev eth0 proto kernel scope link src 172.18.0.3',
      '',
    ].join('\n'));
    expect(formatRoutes(flannelHost(), 'local')).to.include('local 10.244.1.0 dev flannel.1 proto kernel scope host src 10.244.1.0\n');
  });

  it('ip neigh: permanent, resolving and failed entries', () => {
    const ns = flannelHost();
    const eth0 = ns.device('eth0') as EthernetDevice;
    ns.neighbours.resolve(eth0, ipv4('172.18.0.9'), new Uint8Array(20));
    expect(formatNeighbours(ns)).to.equal(
      '10.244.2.0 dev flannel.1 lladdr ce:4a:1e:00:00:02 PERMANENT\n' +
      '172.18.0.9 dev eth0 INCOMPLETE\n');
  });

  it('bridge fdb: the bridge\'s and its ports\' own entries, and the VXLAN entries with their VTEP', () => {
    expect(formatBridgeFdb(flannelHost())).to.equal([
      '8e:11:22:33:44:55 dev cni0 master cni0 permanent',
      '6a:00:00:00:00:01 dev veth1a2b3c4d master cni0 permanent',
      'ce:4a:1e:00:00:02 dev flannel.1 dst 172.18.0.4 self permanent',
      '',
    ].join('\n'));
  });

  it('ip -d link: flags, MTU, state, master, link/ether and the vxlan details', () => {
    expect(formatLinks(flannelHost(), { details: true })).to.equal([
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0',
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:42:ac:12:00:03 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535',
      '3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      '    link/ether 8e:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535',
      '    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0',
      '4: veth1a2b3c4d: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP mode DEFAULT group default',
      '    link/ether 6a:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 68 maxmtu 65535',
      '    veth',
      '    bridge_slave state forwarding priority 32 cost 2 hairpin off guard off learning on flood on',
      '5: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default',
      '    link/ether ce:4a:1e:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535',
      '    vxlan id 1 local 172.18.0.3 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 noudpcsum noudp6zerocsumtx noudp6zerocsumrx',
      '',
    ].join('\n'));
  });

  it('ip -d link: a TUN (flannel0), an IPIP tunnel, a device that is down, a bridge without ports', () => {
    const ns = new NetNamespace({ name: 'h', clock: new FakeClock() });
    const tun = ns.addDevice(new TunDevice('flannel0', { mtu: 1472 }));
    const ipip = ns.addDevice(new IpipDevice('tunl0', { local: '172.18.0.3' }));
    const br = ns.addDevice(new Bridge('cni0', { mac: mac('8e:11:22:33:44:55') }));
    const down = ns.addDevice(new EthernetDevice('eth1', { mac: mac('02:00:00:00:00:01') }));
    down.up = false;
    expect(formatLink(ns, tun, { details: true })).to.equal(
      '2: flannel0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472 qdisc fq_codel state UNKNOWN mode DEFAULT group default qlen 500\n' +
      '    link/none promiscuity 0 minmtu 68 maxmtu 65535\n' +
      '    tun type tun pi off vnet_hdr off persist off\n');
    expect(formatLink(ns, ipip, { details: true })).to.equal(
      '3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n' +
      '    link/ipip 172.18.0.3 brd 0.0.0.0 promiscuity 0 minmtu 68 maxmtu 65535\n' +
      '    ipip any remote any local 172.18.0.3 ttl inherit nopmtudisc\n');
    expect(formatLink(ns, br)).to.equal(
      '4: cni0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n' +
      '    link/ether 8e:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n');
    expect(formatLink(ns, down)).to.equal(
      '5: eth1: <BROADCAST,MULTICAST> mtu 1500 qdisc fq_codel state DOWN mode DEFAULT group default qlen 1000\n' +
      '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n');
  });

  it('ip addr: addresses with broadcast and scope; a /32 has no broadcast', () => {
    const text = formatAddresses(flannelHost());
    expect(text).to.include('    inet 127.0.0.1/8 brd 127.255.255.255 scope host lo\n');
    expect(text).to.include(
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n' +
      '    link/ether 02:42:ac:12:00:03 brd ff:ff:ff:ff:ff:ff\n' +
      '    inet 172.18.0.3/24 brd 172.18.0.255 scope global eth0\n' +
      '       valid_lft forever preferred_lft forever\n');
    expect(text).to.include('    inet 10.244.1.0/32 scope global flannel.1\n');
  });
});
