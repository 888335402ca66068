/**
 * The scheduler's view of the cluster (kube-scheduler's internal cache): Nodes and the pods bound
 * to them, plus pods the scheduler has *assumed* onto a node before the informer reports the
 * binding. Without assumed pods a burst of pods would all be scheduled against the same stale
 * free capacity and overcommit a node. NodeInfos are rebuilt only for nodes whose pods changed in
 * what the scheduler weighs (a status write changes nothing of that), and the list of them is
 * kept between cycles (kube-scheduler's snapshot, updated incrementally).
 */
import type { Node, Pod } from '../../api/types.js';
import { objectKey } from '../../api/client/informer.js';
import { addPodToNodeInfo, buildNodeInfo, sameFootprint, type NodeInfo } from './nodeinfo.js';

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
  /** The last nodeInfos() result in name order, with each node's position; undefined after a node is added or removed. */
  private snapshot: NodeInfo[] | undefined;
  private readonly position = new Map<string, number>();
  /** Nodes whose NodeInfo must be rebuilt before the next snapshot is handed out. */
  private readonly stale = new Set<string>();

  setNode(node: Node): void {
    const name = node.metadata.name ?? '';
    if (!this.nodes.has(name)) this.sortedNames = this.snapshot = undefined;
    this.nodes.set(name, node);
    this.invalidate(name);
  }

  removeNode(name: string): void {
    this.nodes.delete(name);
    this.sortedNames = this.snapshot = undefined;
    this.invalidate(name);
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

  /**
   * NodeInfos of every known node, in name order. The array is the cache's own and is updated in
   * place by later calls: read it before the cache changes again (one scheduling cycle).
   */
  nodeInfos(): NodeInfo[] {
    if (!this.snapshot) {
      this.sortedNames ??= [...this.nodes.keys()].sort();
      this.position.clear();
      this.snapshot = this.sortedNames.map((name, i) => {
        this.position.set(name, i);
        return this.info(name);
      });
      this.stale.clear();
      return this.snapshot;
    }
    for (const name of this.stale) {
      const i = this.position.get(name);
      if (i !== undefined && this.nodes.has(name)) this.snapshot[i] = this.info(name);
    }
    this.stale.clear();
    return this.snapshot;
  }

  private info(name: string): NodeInfo {
    let info = this.infos.get(name);
    if (!info) {
      info = buildNodeInfo(this.nodes.get(name)!, [...(this.podsByNode.get(name)?.values() ?? [])]);
      this.infos.set(name, info);
    }
    return info;
  }

  private invalidate(nodeName: string): void {
    this.infos.delete(nodeName);
    this.stale.add(nodeName);
  }

  private place(key: string, nodeName: string, pod: Pod): void {
    const prior = this.placement.get(key);
    if (prior !== undefined && prior !== nodeName) this.unplace(key);
    let pods = this.podsByNode.get(nodeName);
    if (!pods) this.podsByNode.set(nodeName, (pods = new Map()));
    const before = pods.get(key);
    pods.set(key, pod);
    this.placement.set(key, nodeName);
    const info = this.infos.get(nodeName);
    if (before !== undefined && sameFootprint(before, pod)) {
      // Same weight on the node (a status write): keep the NodeInfo, with the newer object in it.
      const i = info ? info.pods.indexOf(before) : -1;
      if (i >= 0) info!.pods[i] = pod;
      return;
    }
    // A pod new to the node (the burst of a scheduling run): added to its NodeInfo in place.
    if (before === undefined && info !== undefined) return addPodToNodeInfo(info, pod);
    this.invalidate(nodeName);
  }

  private unplace(key: string): void {
    const nodeName = this.placement.get(key);
    if (nodeName === undefined) return;
    this.placement.delete(key);
    const pods = this.podsByNode.get(nodeName);
    pods?.delete(key);
    if (pods?.size === 0) this.podsByNode.delete(nodeName);
    this.invalidate(nodeName);
  }
}
