/**
 * Indexed watch triggers, as kube-apiserver's watch cache has them: a watch whose field selector
 * pins one of these fields (every kubelet watches `spec.nodeName=ITS_NAME`) is only woken for
 * events whose old or new object carries that value, instead of testing every event.
 */
import type { KubeObject } from '../types.js';

export interface WatchTrigger {
  field: string;
  value(obj: KubeObject): string | undefined;
}

export const WATCH_TRIGGERS: Readonly<Record<string, WatchTrigger>> = {
  pods: { field: 'spec.nodeName', value: (o) => o.spec?.nodeName || undefined },
  // Every kubelet watches its own Node (`metadata.name=ITS_NAME`), as kube-apiserver's node
  // storage indexes (NodeNameTriggerFunc).
  nodes: { field: 'metadata.name', value: (o) => o.metadata.name || undefined },
};
