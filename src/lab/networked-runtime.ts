/**
 * The kubelet's CNI ADD/DEL, bridge-plugin style: every pod sandbox gets a network namespace on the
 * packet plane — eth0 with the pod IP, a veth into its node's cni0 bridge, a default route via the
 * bridge's .1 — and loses it when the sandbox stops. Host-network pods share the host's namespace.
 * Cross-node pod routes are the CNI agents' job (flannel, calico), not this one's.
 */
import type { Pod } from '../api/types.js';
import type { PodRuntime, SandboxHandle } from '../node/runtime.js';
import type { LabNetwork } from './network/index.js';
import { formatIpv4, ipv4, prefixMask } from '../net/addr.js';

export class NetworkedRuntime implements PodRuntime {
  constructor(
    private readonly inner: PodRuntime,
    private readonly network: LabNetwork,
    /** Pod IPs come from the node's podCIDR, which has this prefix length. */
    private readonly nodeCIDRMaskSize: number,
  ) {}

  async startSandbox(pod: Pod, ip: string): Promise<SandboxHandle> {
    const handle = await this.inner.startSandbox(pod, ip);
    const node = pod.spec.nodeName;
    if (pod.spec.hostNetwork || !node || !this.network.running || !this.network.nodes.has(node)) return handle;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    // A sandbox restarted after a power cycle replaces its old namespace.
    if (this.network.pods.has(key)) this.network.detachPod(key);
    this.network.attachPod(node, key, ip, podCidrOf(ip, this.nodeCIDRMaskSize));
    const network = this.network;
    return {
      id: handle.id,
      ready: () => handle.ready(),
      onReadyChange: (fn) => handle.onReadyChange(fn),
      async stop(graceMs: number) {
        const result = await handle.stop(graceMs);
        if (network.pods.has(key)) network.detachPod(key);
        return result;
      },
    };
  }
}

/** The network of `ip` with `prefix` bits, as a CIDR string. */
export function podCidrOf(ip: string, prefix: number): string {
  return `${formatIpv4((ipv4(ip) & prefixMask(prefix)) >>> 0)}/${prefix}`;
}
