/** flanneld's problems (../problems.ts) and their Event and condition reasons. */
import { NodeProblems } from '../problems.js';
import { FLANNEL_IS_UP } from './node-status.js';

export const LEASE_PROBLEM = 'lease';

/** The Event and condition reason for a problem key. */
export function problemReason(key: string, podCidrMissing: boolean): string {
  if (key === LEASE_PROBLEM) return podCidrMissing ? 'PodCIDRNotAssigned' : 'FlannelLeaseFailed';
  if (key.startsWith('route ')) return 'FailedToCreateRoute';
  return 'FlannelError';
}

export class ProblemSet extends NodeProblems {
  /** Set when the lease problem is a missing podCIDR. */
  podCidrMissing = false;

  constructor() {
    super(FLANNEL_IS_UP, { reason: 'FlannelNotRunning', message: 'Flannel is not running on this node' });
  }

  override reason(key: string): string {
    return problemReason(key, this.podCidrMissing);
  }
}
