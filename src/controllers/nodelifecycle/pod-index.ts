/**
 * Pods by spec.nodeName over a shared pod informer (client-go's "spec.nodeName" indexer), so node
 * events touch only that node's pods instead of scanning every pod in the cluster.
 */
import type { Informer } from '../../api/client/informer.js';
import { objectKey } from '../../api/client/informer.js';
import type { Pod } from '../../api/types.js';

export class PodsByNode {
  private readonly byNode = new Map<string, Set<string>>();

  constructor(
    private readonly pods: Informer<Pod>,
    /** Called for every add, update and delete of a bound pod (`old` set on updates). */
    onChange?: (pod: Pod, nodeName: string, old?: Pod) => void,
  ) {
    pods.addHandlers({
      onAdd: (p) => {
        this.put(p);
        if (p.spec?.nodeName) onChange?.(p, p.spec.nodeName);
      },
      onUpdate: (old, p) => {
        if (old.spec?.nodeName !== p.spec?.nodeName) this.drop(old);
        this.put(p);
        if (p.spec?.nodeName) onChange?.(p, p.spec.nodeName, old);
      },
      onDelete: (p) => {
        this.drop(p);
        if (p.spec?.nodeName) onChange?.(p, p.spec.nodeName);
      },
    });
  }

  keys(nodeName: string): string[] {
    return [...(this.byNode.get(nodeName) ?? [])];
  }

  /** The pods currently bound to `nodeName`, from the informer cache. */
  list(nodeName: string): Pod[] {
    const out: Pod[] = [];
    for (const key of this.byNode.get(nodeName) ?? []) {
      const p = this.pods.getByKey(key);
      if (p && p.spec?.nodeName === nodeName) out.push(p);
    }
    return out;
  }

  nodeNames(): string[] {
    return [...this.byNode.keys()];
  }

  private put(p: Pod): void {
    const node = p.spec?.nodeName;
    if (!node) return;
    let set = this.byNode.get(node);
    if (!set) this.byNode.set(node, (set = new Set()));
    set.add(objectKey(p));
  }

  private drop(p: Pod): void {
    const node = p.spec?.nodeName;
    if (!node) return;
    const set = this.byNode.get(node);
    set?.delete(objectKey(p));
    if (set && set.size === 0) this.byNode.delete(node);
  }
}
