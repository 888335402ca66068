/**
 * CNI and proxy modes by the names `kemu run --mode` and `kemu compare --modes/--proxy-modes` take,
 * applied to a loaded topology as a new Topology value (the file is not rewritten). A pod subnet
 * left at the old plugin's default follows the new plugin's default (10.244.0.0/16 for flannel,
 * 192.168.0.0/16 for calico), as it would have, had the file named that plugin.
 */
import type { CalicoConfig, CniConfig, KubeProxyMode, LoadedTopology, Topology } from '../topology/types.js';
import { KemuError } from '../util/errors.js';

export const CNI_MODES = [
  'flannel-udp', 'flannel-vxlan', 'flannel-host-gw', 'calico-bgp', 'calico-ipip', 'calico-vxlan', 'calico-cross-subnet', 'calico-vxlan-cross-subnet',
] as const;
export type CniMode = (typeof CNI_MODES)[number];
export const PROXY_MODES: readonly KubeProxyMode[] = ['iptables', 'ipvs', 'userspace'];

/** The seven modes the compare runs when --modes is not given. */
export const DEFAULT_COMPARE_MODES: CniMode[] = CNI_MODES.filter((m) => m !== 'calico-vxlan-cross-subnet');

const DEFAULT_POD_SUBNET = { flannel: '10.244.0.0/16', calico: '192.168.0.0/16' };
const CALICO_DEFAULTS = { blockSize: 26, asNumber: 64512, nodeToNodeMesh: true, routeReflectors: [] as string[] };

/** The mode name of a topology's own CNI setting. */
export function modeOf(t: Topology): string {
  const cni = t.networking.cni;
  if (cni.plugin === 'flannel') return `flannel-${cni.backend}${cni.directRouting ? '+directrouting' : ''}`;
  if (cni.crossSubnet) return cni.mode === 'vxlan' ? 'calico-vxlan-cross-subnet' : 'calico-cross-subnet';
  return `calico-${cni.mode}`;
}

export function parseModes(text: string): CniMode[] {
  const modes = text.split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of modes) {
    if (!(CNI_MODES as readonly string[]).includes(m)) throw new KemuError('ERR_BAD_MODE', `unknown mode "${m}" (modes: ${CNI_MODES.join(', ')})`);
  }
  if (modes.length === 0) throw new KemuError('ERR_BAD_MODE', `no mode given (modes: ${CNI_MODES.join(', ')})`);
  return [...new Set(modes)] as CniMode[];
}

export function parseProxyModes(text: string): KubeProxyMode[] {
  const modes = text.split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of modes) {
    if (!PROXY_MODES.includes(m as KubeProxyMode)) throw new KemuError('ERR_BAD_MODE', `unknown proxy mode "${m}" (proxy modes: ${PROXY_MODES.join(', ')})`);
  }
  if (modes.length === 0) throw new KemuError('ERR_BAD_MODE', `no proxy mode given (proxy modes: ${PROXY_MODES.join(', ')})`);
  return [...new Set(modes)] as KubeProxyMode[];
}

function cniFor(mode: CniMode, current: CniConfig): CniConfig {
  const [plugin, ...rest] = mode.split('-');
  const variant = rest.join('-');
  if (plugin === 'flannel') return { plugin: 'flannel', backend: variant as 'udp' | 'vxlan' | 'host-gw', directRouting: false };
  const base: Omit<CalicoConfig, 'mode' | 'crossSubnet'> = current.plugin === 'calico'
    ? { plugin: 'calico', blockSize: current.blockSize, asNumber: current.asNumber, nodeToNodeMesh: current.nodeToNodeMesh, routeReflectors: current.routeReflectors }
    : { plugin: 'calico', ...CALICO_DEFAULTS };
  if (variant === 'cross-subnet') return { ...base, mode: 'ipip', crossSubnet: true };
  if (variant === 'vxlan-cross-subnet') return { ...base, mode: 'vxlan', crossSubnet: true };
  return { ...base, mode: variant as 'bgp' | 'ipip' | 'vxlan', crossSubnet: false };
}

/** The loaded topology with another CNI mode and/or kube-proxy mode. */
export function withModes(loaded: LoadedTopology, mode?: CniMode, proxyMode?: KubeProxyMode): LoadedTopology {
  const t = loaded.topology;
  let networking = t.networking;
  if (mode !== undefined) {
    const cni = cniFor(mode, t.networking.cni);
    const oldDefault = DEFAULT_POD_SUBNET[t.networking.cni.plugin];
    const podSubnet = t.networking.podSubnet === oldDefault ? DEFAULT_POD_SUBNET[cni.plugin] : t.networking.podSubnet;
    networking = { ...networking, cni, podSubnet };
  }
  if (proxyMode !== undefined) networking = { ...networking, kubeProxyMode: proxyMode };
  return { ...loaded, topology: { ...t, networking } };
}
