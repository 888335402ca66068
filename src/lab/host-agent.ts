/**
 * The agents of one simulated host: the kubelet's node side (registration, Lease, NodeStatus), its
 * pod side (PodManager) and the node's daemons (kube-proxy, the CNI agent). `powerOff` is a host
 * losing power: nothing more is written, sandboxes and daemons are gone; `powerOn` boots it again,
 * the daemons start afresh and the kubelet takes its Node and pods back.
 */
import type { ApiClient } from '../api/client.js';
import type { Clock } from '../util/clock.js';
import { EventRecorder } from '../controllers/events.js';
import { Kubelet, type KubeletTiming } from '../node/kubelet.js';
import { PodManager, type PodIpAllocator } from '../node/pods.js';
import type { PodRuntime } from '../node/runtime.js';
import type { NodeSpecInput } from '../node/registration.js';

/** A daemon on the host (kube-proxy, flanneld, calico-node): started at boot, stopped at power-off. */
export interface NodeDaemon {
  readonly name: string;
  start(): Promise<void>;
  stop(): void | Promise<void>;
}

export class HostAgent {
  readonly kubelet: Kubelet;
  readonly pods: PodManager;
  /** Daemons in start order (the CNI agent before kube-proxy, as their DaemonSets settle on a real node). */
  readonly daemons: NodeDaemon[] = [];
  private on = false;

  constructor(
    client: ApiClient, clock: Clock, spec: NodeSpecInput, timing: KubeletTiming, runtime: PodRuntime, onError: (err: Error) => void,
    /** The CNI's IPAM when it is not host-local over the node's podCIDR (calico). */
    ipam?: PodIpAllocator,
  ) {
    this.kubelet = new Kubelet(client, clock, spec, timing, onError);
    this.pods = new PodManager({
      client,
      clock,
      nodeName: spec.name,
      runtime,
      recorder: new EventRecorder(client, clock, 'kubelet', spec.name),
      onError: (err: Error) => onError(err),
      ...(ipam ? { ipam } : {}),
    });
  }

  get name(): string {
    return this.kubelet.spec.name;
  }

  isOn(): boolean {
    return this.on;
  }

  async powerOn(): Promise<void> {
    if (this.on) return;
    this.on = true;
    await this.kubelet.start();
    for (const d of this.daemons) await d.start();
    await this.pods.start();
  }

  async powerOff(): Promise<void> {
    if (!this.on) return;
    this.on = false;
    this.kubelet.stop();
    for (const d of [...this.daemons].reverse()) await d.stop();
    await this.pods.stopAll();
  }
}
