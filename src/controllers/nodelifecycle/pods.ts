/**
 * MarkPodsNotReady: when a node stops being Ready its pods' Ready condition turns False, so
 * endpoints controllers take them out of Services within seconds — long before the pods are
 * evicted. Each changed pod also gets a Warning event `NodeNotReady`, as in Kubernetes.
 */
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { rfc3339 } from '../../util/time.js';
import type { EventRecorder } from '../events.js';

/** Returns false if some pod could not be updated (the caller retries next pass). */
export async function markPodsNotReady(client: ApiClient, recorder: EventRecorder, clock: Clock, pods: Pod[], nodeName: string): Promise<boolean> {
  let ok = true;
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName) continue;
    const conditions = pod.status?.conditions ?? [];
    const i = conditions.findIndex((c) => c.type === 'Ready');
    if (i < 0 || conditions[i]!.status === 'False') continue;
    const next = conditions.map((c, j) => (j === i ? { ...c, status: 'False' as const, lastTransitionTime: rfc3339(clock.now()) } : c));
    try {
      await client.update('pods', { ...pod, status: { ...pod.status, conditions: next } }, 'status');
      recorder.warning(pod, 'NodeNotReady', 'Node is not ready');
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') continue;
      ok = false;
    }
  }
  return ok;
}
