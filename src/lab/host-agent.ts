/**
 * The agents of one simulated host: the kubelet's node side (registration, Lease, NodeStatus) and its
 * pod side (PodManager). `powerOff` is a host losing power: nothing more is written, sandboxes are
 * gone; `powerOn` boots it again and the kubelet takes its Node and pods back.
 */
import type { ApiClient } from '../api/client.js';
import type { Clock } from '../util/clock.js';
import { EventRecorder } from '../controllers/events.js';
import { Kubelet, type KubeletTiming } from '../node/kubelet.js';
import { PodManager } from '../node/pods.js';
import type { PodRuntime } from '../node/runtime.js';
import type { NodeSpecInput } from '../node/registration.js';

export class HostAgent {
  readonly kubelet: Kubelet;
  readonly pods: PodManager;
  private on = false;

  constructor(client: ApiClient, clock: Clock, spec: NodeSpecInput, timing: KubeletTiming, runtime: PodRuntime, onError: (err: Error) => void) {
    this.kubelet = new Kubelet(client, clock, spec, timing, onError);
    this.pods = new PodManager({
      client,
      clock,
      nodeName: spec.name,
      runtime,
      recorder: new EventRecorder(client, clock, 'kubelet', spec.name),
      onError: (err: Error) => onError(err),
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
    await this.pods.start();
  }

  async powerOff(): Promise<void> {
    if (!this.on) return;
    this.on = false;
    this.kubelet.stop();
    await this.pods.stopAll();
  }
}
