/**
 * calico's tunnel devices, made idempotently (felix checks them on every resync):
 *  - ipip: `tunl0` (the kernel's fallback IP-in-IP device: no fixed local or remote, so the outer
 *    destination is the route's gateway), MTU underlay − 20, the node's tunnel address as a /32;
 *  - vxlan: `vxlan.calico` (VNI 4096, UDP 4789, local = the node address, no learning), MTU
 *    underlay − 50, the tunnel address as a /32 and a MAC of its own (published as
 *    projectcalico.org/VXLANTunnelMACAddr). A device that already fits is kept, so a restarted agent
 *    keeps its VTEP MAC.
 * Both carry only a /32: no connected route, so nothing but calico's own routes points into them.
 */
import { IpipDevice, type NetDevice, type NetNamespace, VxlanDevice } from '../../dataplane/stack/index.js';
import { formatIpv4 } from '../../net/index.js';
import { CALICO_VXLAN_PORT, CALICO_VXLAN_VNI, IPIP_DEVICE, VXLAN_DEVICE } from './config.js';

export function ensureIpipDevice(ns: NetNamespace, mtu: number, tunnelIp: number): IpipDevice {
  const existing = ns.device(IPIP_DEVICE);
  let dev: IpipDevice;
  if (existing instanceof IpipDevice && existing.local === 0 && existing.remote === 0) {
    dev = existing;
  } else {
    if (existing !== undefined) ns.removeDevice(IPIP_DEVICE);
    dev = ns.addDevice(new IpipDevice(IPIP_DEVICE, { mtu }));
  }
  configure(ns, dev, mtu, tunnelIp);
  return dev;
}

export function ensureVxlanDevice(ns: NetNamespace, mtu: number, tunnelIp: number, local: number): VxlanDevice {
  const existing = ns.device(VXLAN_DEVICE);
  let dev: VxlanDevice;
  if (existing instanceof VxlanDevice && existing.vni === CALICO_VXLAN_VNI && existing.dstPort === CALICO_VXLAN_PORT && existing.local === local) {
    dev = existing;
  } else {
    if (existing !== undefined) ns.removeDevice(VXLAN_DEVICE);
    dev = ns.addDevice(new VxlanDevice(VXLAN_DEVICE, { vni: CALICO_VXLAN_VNI, port: CALICO_VXLAN_PORT, local, mtu }));
  }
  configure(ns, dev, mtu, tunnelIp);
  return dev;
}

/** MTU, exactly one address (the tunnel's /32) and up; touches nothing already right. */
function configure(ns: NetNamespace, dev: NetDevice, mtu: number, tunnelIp: number): void {
  if (dev.mtu !== mtu) dev.mtu = mtu;
  for (const a of [...dev.addresses]) {
    if (a.address !== tunnelIp || a.prefixLength !== 32) ns.removeAddress(dev, `${formatIpv4(a.address)}/${a.prefixLength}`);
  }
  if (!dev.addresses.some((a) => a.address === tunnelIp)) ns.addAddress(dev, `${formatIpv4(tunnelIp)}/32`);
  dev.up = true;
}
