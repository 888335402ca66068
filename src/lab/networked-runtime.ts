/**
 * The container runtime of the simulated hosts. For each pod sandbox it does what the kubelet's CNI
 * ADD does on a real node — a network namespace on the packet plane, eth0 with the pod IP, a veth
 * into the node's cni0 bridge, a default route via the bridge's .1, the MTU the CNI agent's
 * subnet.env gives — and then starts the pod's containers as emulated programs (src/apps) inside that
 * namespace: agnhost netexec answers on the pod IP over kemu's own TCP and UDP. Host-network pods
 * run in the host's namespace. Stopping the sandbox stops the programs (SIGTERM, SIGKILL after the
 * grace period), then CNI DEL removes the namespace.
 */
import type { Pod } from '../api/types.js';
import type { ApiClient } from '../api/client.js';
import { type StartedWorkload, type WorkloadContext, startWorkload, startWorkloadSandbox } from '../apps/index.js';
import type { NetNamespace } from '../dataplane/stack/index.js';
import { EventRecorder } from '../controllers/events.js';
import type { PodRuntime, SandboxHandle } from '../node/runtime.js';
import type { Clock } from '../util/clock.js';
import { KemuError } from '../util/errors.js';
import type { LabNetwork } from './network/index.js';
import type { NodeCni } from './cni.js';
import { NamespaceSockets } from './pod-sockets.js';
import { formatIpv4, ipv4, prefixMask } from '../net/addr.js';

export interface NetworkedRuntimeOptions {
  network: LabNetwork;
  client: ApiClient;
  clock: Clock;
  /** Pod IPs come from the node's podCIDR, which has this prefix length. */
  nodeCIDRMaskSize: number;
  /** Kubernetes seconds (probe periods, back-off) in milliseconds: 1000 / timing.speed. */
  apiSecondMs: number;
  /** The node's CNI agent, whose subnet.env gives the pod MTU (none: the underlay's MTU). */
  cniOf?: (node: string) => NodeCni | undefined;
  /** Name resolution for programs in a pod (its resolv.conf over its namespace); default: IP literals only. */
  resolverFor?: (pod: Pod, ns: NetNamespace) => ((host: string) => Promise<string>) | undefined;
  /** Programs the lab itself provides (CoreDNS serving the cluster's chain); undefined: the image registry's. */
  programs?: (ctx: Omit<WorkloadContext, 'args'>) => StartedWorkload | undefined;
}

export class NetworkedRuntime implements PodRuntime {
  private readonly recorders = new Map<string, EventRecorder>();

  constructor(private readonly o: NetworkedRuntimeOptions) {}

  async startSandbox(pod: Pod, ip: string): Promise<SandboxHandle> {
    const network = this.o.network;
    const node = pod.spec.nodeName;
    if (!node || !network.running || !network.nodes.has(node)) {
      throw new KemuError('ERR_NO_HOST', `pod ${pod.metadata.namespace}/${pod.metadata.name}: node ${node ?? '(none)'} has no host on the packet plane`);
    }
    const host = network.node(node);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let podNs = host.ns;
    if (!pod.spec.hostNetwork) {
      // The flannel CNI plugin reads subnet.env, which exists once flanneld runs: until then the
      // sandbox waits, as a real one fails and is retried.
      const cni = this.o.cniOf?.(node);
      const mtu = cni === undefined ? undefined : await cni.podMtu();
      // A sandbox restarted after a power cycle replaces its old namespace.
      if (network.pods.has(key)) network.detachPod(key);
      podNs = network.attachPod(node, key, ip, podCidrOf(ip, this.o.nodeCIDRMaskSize), {
        ...(mtu === undefined ? {} : { mtu }),
        ...(cni?.attacher ? { plugin: cni.attacher } : {}),
      }).ns;
    }
    const recorder = this.recorderFor(node);
    const resolve = this.o.resolverFor?.(pod, podNs);
    const programs = this.o.programs;
    const sandbox = startWorkloadSandbox({
      pod,
      podIP: ip,
      net: new NamespaceSockets(podNs),
      probeNet: new NamespaceSockets(host.ns),
      clock: this.o.clock,
      apiSecondMs: this.o.apiSecondMs,
      ...(resolve ? { resolve } : {}),
      warn: (reason, message) => recorder.warning(pod, reason, message),
      normal: (reason, message) => recorder.normal(pod, reason, message),
      ...(programs ? { start: (ctx: Omit<WorkloadContext, 'args'>) => programs(ctx) ?? startWorkload(ctx) } : {}),
    });
    const hostNetwork = pod.spec.hostNetwork === true;
    return {
      id: sandbox.id,
      ready: () => sandbox.ready(),
      onReadyChange: (fn) => sandbox.onReadyChange(fn),
      async stop(graceMs: number) {
        const result = await sandbox.stop(graceMs);
        if (!hostNetwork && network.pods.get(key)?.ns === podNs) network.detachPod(key);
        return result;
      },
    };
  }

  private recorderFor(node: string): EventRecorder {
    let r = this.recorders.get(node);
    if (r === undefined) {
      r = new EventRecorder(this.o.client, this.o.clock, 'kubelet', node);
      this.recorders.set(node, r);
    }
    return r;
  }
}

/** The network of `ip` with `prefix` bits, as a CIDR string. */
export function podCidrOf(ip: string, prefix: number): string {
  return `${formatIpv4((ipv4(ip) & prefixMask(prefix)) >>> 0)}/${prefix}`;
}
