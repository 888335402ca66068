/**
 * `ip link` / `ip -d link` / `ip addr` of a namespace, shaped like iproute2's output: the index and
 * flags line, the link line (with promiscuity and MTU bounds under -d) and, under -d, the kind's
 * details (vxlan id/local/dev/dstport, tun type, bridge timers, veth and bridge_slave). Fields kemu
 * does not model (queues, GSO, addrgenmode, vlan entries) are left out rather than made up.
 */
import { formatIpv4, formatMac } from '../../net/index.js';
import { Bridge } from '../stack/bridge.js';
import type { NetDevice } from '../stack/device.js';
import { IpipDevice } from '../stack/ipip.js';
import { L2Device } from '../stack/l2-device.js';
import type { NetNamespace } from '../stack/namespace.js';
import { TunDevice } from '../stack/tun.js';
import { VxlanDevice } from '../stack/vxlan.js';

export interface LinkFormatOptions {
  /** -d: details of each device's kind. */
  details?: boolean;
}

/** `ip [-d] link show`: every device of the namespace in index order. */
export function formatLinks(ns: NetNamespace, opts: LinkFormatOptions = {}): string {
  return ns.devices().sort((a, b) => a.index - b.index).map((d) => formatLink(ns, d, opts)).join('');
}

/** One device as `ip [-d] link show DEV` prints it (lines end with "\n"). */
export function formatLink(ns: NetNamespace, dev: NetDevice, opts: LinkFormatOptions = {}): string {
  const lines = [headerLine(dev, true), linkLine(dev, opts.details === true)];
  if (opts.details === true) lines.push(...detailLines(ns, dev));
  return lines.map((l) => `${l}\n`).join('');
}

/** `ip addr show`: the link lines and each IPv4 address with its broadcast and scope. */
export function formatAddresses(ns: NetNamespace): string {
  const out: string[] = [];
  for (const dev of ns.devices().sort((a, b) => a.index - b.index)) {
    out.push(headerLine(dev, false), linkLine(dev, false));
    for (const a of dev.addresses) {
      const brd = a.prefixLength < 31 ? ` brd ${formatIpv4(a.broadcast)}` : '';
      const scope = dev === ns.lo ? 'host' : 'global';
      out.push(`    inet ${formatIpv4(a.address)}/${a.prefixLength}${brd} scope ${scope} ${dev.name}`, '       valid_lft forever preferred_lft forever');
    }
  }
  return out.map((l) => `${l}\n`).join('');
}

function masterOf(dev: NetDevice): Bridge | undefined {
  return dev instanceof L2Device && dev.master instanceof Bridge ? dev.master : undefined;
}

function flags(dev: NetDevice): string {
  const up = dev.up ? ['UP', 'LOWER_UP'] : [];
  switch (dev.kind) {
    case 'loopback': return ['LOOPBACK', ...up].join(',');
    case 'tun': return ['POINTOPOINT', 'MULTICAST', 'NOARP', ...up].join(',');
    case 'ipip': return ['NOARP', ...up].join(',');
    case 'bridge':
      // A bridge without ports has no carrier: iproute2 shows NO-CARRIER, UP without LOWER_UP.
      if (dev.up && (dev as Bridge).portNames().length === 0) return 'NO-CARRIER,BROADCAST,MULTICAST,UP';
      return ['BROADCAST', 'MULTICAST', ...up].join(',');
    default: return ['BROADCAST', 'MULTICAST', ...up].join(',');
  }
}

function state(dev: NetDevice): string {
  if (!dev.up) return 'DOWN';
  switch (dev.kind) {
    case 'loopback': case 'tun': case 'vxlan': case 'ipip': return 'UNKNOWN';
    case 'bridge': return (dev as Bridge).portNames().length === 0 ? 'DOWN' : 'UP';
    default: return 'UP';
  }
}

function headerLine(dev: NetDevice, mode: boolean): string {
  const name = dev.kind === 'ipip' ? `${dev.name}@NONE` : dev.name;
  const qdisc = dev.kind === 'tun' || dev.kind === 'ethernet' ? 'fq_codel' : 'noqueue';
  const master = masterOf(dev);
  const qlen = dev.kind === 'tun' ? ' qlen 500' : dev.kind === 'veth' || dev.kind === 'vxlan' ? '' : ' qlen 1000';
  const masterText = master === undefined ? '' : ` master ${master.name}`;
  return `${dev.index}: ${name}: <${flags(dev)}> mtu ${dev.mtu} qdisc ${qdisc}${masterText} state ${state(dev)}${mode ? ' mode DEFAULT' : ''} group default${qlen}`;
}

function linkLine(dev: NetDevice, details: boolean): string {
  let link: string;
  if (dev.kind === 'loopback') link = 'link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  else if (dev instanceof L2Device) link = `link/ether ${formatMac(dev.mac)} brd ff:ff:ff:ff:ff:ff`;
  else if (dev instanceof IpipDevice) link = `link/ipip ${formatIpv4(dev.local)} brd ${formatIpv4(dev.remote)}`;
  else link = 'link/none';
  if (!details) return `    ${link}`;
  const promiscuity = masterOf(dev) === undefined ? 0 : 1;
  const [min, max] = dev.kind === 'loopback' ? [0, 0] : [68, 65535];
  return `    ${link} promiscuity ${promiscuity} minmtu ${min} maxmtu ${max}`;
}

function detailLines(ns: NetNamespace, dev: NetDevice): string[] {
  if (dev instanceof VxlanDevice) {
    const under = ns.devices().find((d) => d !== dev && d.addresses.some((a) => a.address === dev.local));
    const via = under === undefined ? '' : ` dev ${under.name}`;
    // kemu's VXLAN never learns and sends a zero UDP checksum, as flannel.1 is set up on Linux.
    return [`    vxlan id ${dev.vni} local ${formatIpv4(dev.local)}${via} srcport 0 0 dstport ${dev.dstPort} nolearning ttl auto ageing 300 noudpcsum noudp6zerocsumtx noudp6zerocsumrx`];
  }
  if (dev instanceof TunDevice) return ['    tun type tun pi off vnet_hdr off persist off'];
  if (dev instanceof Bridge) {
    return [`    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time ${Math.round(dev.ageingTimeMs / 10)} stp_state 0 priority 32768 vlan_filtering 0`];
  }
  if (dev instanceof IpipDevice) {
    const end = (ip: number): string => (ip === 0 ? 'any' : formatIpv4(ip));
    return [`    ipip any remote ${end(dev.remote)} local ${end(dev.local)} ttl inherit nopmtudisc`];
  }
  const out: string[] = [];
  if (dev.kind === 'veth') out.push('    veth');
  if (masterOf(dev) !== undefined) out.push('    bridge_slave state forwarding priority 32 cost 2 hairpin off guard off learning on flood on');
  return out;
}
