/** IPv4 prefixes as flannel's ip.IP4Net uses them: parsed without throwing, compared, contained. */
import { formatIpv4, parseIpv4, prefixMask } from '../../net/index.js';

export interface Ip4Net {
  /** The network address (host bits cleared). */
  network: number;
  prefixLength: number;
  /** "10.244.1.0/24". */
  text: string;
}

/** "10.244.1.0/24" → its network; undefined for anything else (IPv6, garbage). Host bits are cleared. */
export function parseIpv4Cidr(text: string): Ip4Net | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!ip.ok || !/^\d{1,2}$/.test(lenText) || Number(lenText) > 32) return undefined;
  const prefixLength = Number(lenText);
  const network = (ip.value & prefixMask(prefixLength)) >>> 0;
  return { network, prefixLength, text: `${formatIpv4(network)}/${prefixLength}` };
}

/** Whether `inner` lies inside `outer` (flannel's containsCIDR). */
export function containsNet(outer: Ip4Net, inner: Ip4Net): boolean {
  return outer.prefixLength <= inner.prefixLength && ((inner.network & prefixMask(outer.prefixLength)) >>> 0) === outer.network;
}

export function inNet(ip: number, net: Ip4Net): boolean {
  return ((ip & prefixMask(net.prefixLength)) >>> 0) === net.network;
}

/** The subnet's network address as text: flannel's tunnel address and VTEP next hop ("10.244.1.0"). */
export function subnetIp(net: Ip4Net): string {
  return formatIpv4(net.network);
}
