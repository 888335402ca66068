/**
 * The NetworkUnavailable node condition flannel owns, pure. flanneld clears it once its network is
 * up (CompleteLease: status False, reason FlannelIsUp). kemu also sets it True, with the reason, while
 * the node has no working network (no podCIDR, a route Linux refuses), so the problem shows in
 * `kubectl describe node` and the node lifecycle controller taints the node as it would any other.
 */
import type { Condition, Node } from '../../api/types.js';
import { rfc3339 } from '../../util/time.js';

export const NETWORK_UNAVAILABLE = 'NetworkUnavailable';
export const FLANNEL_IS_UP = { reason: 'FlannelIsUp', message: 'Flannel is running on this node' } as const;

export interface NetworkCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export function currentNetworkCondition(node: Node): Condition | undefined {
  return node.status?.conditions?.find((c) => c.type === NETWORK_UNAVAILABLE);
}

/**
 * The strategic-merge patch (status subresource; conditions merge by type) that sets the condition,
 * or undefined when the node shows it already. The transition time moves only when the status does.
 */
export function networkConditionPatch(node: Node, want: NetworkCondition, now: number): { status: { conditions: Condition[] } } | undefined {
  const have = currentNetworkCondition(node);
  if (have !== undefined && have.status === want.status && have.reason === want.reason && have.message === want.message) return undefined;
  const t = rfc3339(now);
  const transition = have !== undefined && have.status === want.status && have.lastTransitionTime ? have.lastTransitionTime : t;
  return {
    status: {
      conditions: [{
        type: NETWORK_UNAVAILABLE, status: want.status, reason: want.reason, message: want.message, lastTransitionTime: transition, lastHeartbeatTime: t,
      }],
    },
  };
}
