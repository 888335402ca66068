/**
 * The scheduler's view of the cluster (kube-scheduler's internal cache): Nodes and the pods bound
 * to them, plus pods the scheduler has *assumed* onto a node before the informer reports the
 * binding. Without assumed pods a burst of pods would all be scheduled against the same stale
 * free capacity and overcommit a node. NodeInfos are rebuilt only for nodes whose pods changed.
 */
import type { Node, Pod } from '../../api/types.js';
import { objectKey } from '../../api/client/informer.js';
import { buildNodeInfo, type NodeInfo } from './nodeinfo.js';

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class SchedulerCache {
  private readonly nodes = new Map<string, Node>();
  /** Node names in order, rebuilt only when a node is added or removed (not on every cycle). */
  private sortedNames: string[] | undefined;
  /** nodeName → podKey → pod, for every pod that uses a node's resources (bound or assumed). */
  private readonly podsByNode = new Map<string, Map<string, Pod>>();
  private readonly placement = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private readonly infos = new Map<string, NodeInfo>();

  setNode(node: Node): void {
    if (!this.nodes.has(node.metadata.name ?? '')) this.sortedNames = undefined;
    this.nodes.set(node.metadata.name ?? '', node);
    this.infos.delete(node.metadata.name ?? '');
  }

  removeNode(name: string): void {
    this.nodes.delete(name);
    this.sortedNames = undefined;
    this.infos.delete(name);
  }

  /** Informer add/update. Terminal pods free their resources, as kube-scheduler's cache ignores them. */
  updatePod(pod: Pod): void {
    const key = objectKey(pod);
    const nodeName = pod.spec.nodeName;
    if (nodeName && !isTerminal(pod)) {
      this.assumed.delete(key); // the binding is now confirmed by the API
      this.place(key, nodeName, pod);
    } else if (!this.assumed.has(key)) {
      this.unplace(key);
    }
  }

  removePod(pod: Pod): void {
    const key = objectKey(pod);
    this.assumed.delete(key);
    this.unplace(key);
  }

  assume(pod: Pod, nodeName: string): void {
    const key = objectKey(pod);
    this.assumed.add(key);
    this.place(key, nodeName, { ...pod, spec: { ...pod.spec, nodeName } });
  }

  /** Drops an assumption whose binding failed. */
  forget(pod: Pod): void {
    const key = objectKey(pod);
    if (!this.assumed.delete(key)) return;
    this.unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  nodeCount(): number {
    return this.nodes.size;
  }

  /** NodeInfos of every known node, in name order. */
  nodeInfos(): NodeInfo[] {
    const out: NodeInfo[] = [];
    this.sortedNames ??= [...this.nodes.keys()].sort();
    for (const name of this.sortedNames) {
      let info = this.infos.get(name);
      if (!info) {
        info = buildNodeInfo(this.nodes.get(name)!, [...(this.podsByNode.get(name)?.values() ?? [])]);
        this.infos.set(name, info);
      }
      out.push(info);
    }
    return out;
  }

  private place(key: string, nodeName: string, pod: Pod): void {
    const prior = this.placement.get(key);
    if (prior !== undefined && prior !== nodeName) this.unplace(key);
    let pods = this.podsByNode.get(nodeName);
    if (!pods) this.podsByNode.set(nodeName, (pods = new Map()));
    pods.set(key, pod);
    this.placement.set(key, nodeName);
    this.infos.delete(nodeName);
  }

  private unplace(key: string): void {
    const nodeName = this.placement.get(key);
    if (nodeName === undefined) return;
    this.placement.delete(key);
    const pods = this.podsByNode.get(nodeName);
    pods?.delete(key);
    if (pods?.size === 0) this.podsByNode.delete(nodeName);
    this.infos.delete(nodeName);
  }
}
