/**
 * The agent's open problems (keyed, so a problem reported on every check is one problem), turned into
 * what a user sees: a Warning Event when a problem appears or changes, the NetworkUnavailable
 * condition's reason and message, and one line for the lab to print.
 */
import type { NetworkCondition } from './node-status.js';
import { FLANNEL_IS_UP } from './node-status.js';

export const LEASE_PROBLEM = 'lease';

/** The Event and condition reason for a problem key. */
export function problemReason(key: string, podCidrMissing: boolean): string {
  if (key === LEASE_PROBLEM) return podCidrMissing ? 'PodCIDRNotAssigned' : 'FlannelLeaseFailed';
  if (key.startsWith('route ')) return 'FailedToCreateRoute';
  return 'FlannelError';
}

export class ProblemSet {
  private readonly open = new Map<string, string>();
  /** Set when the lease problem is a missing podCIDR. */
  podCidrMissing = false;

  /** True when this is new or changed (worth an Event). */
  set(key: string, message: string): boolean {
    if (this.open.get(key) === message) return false;
    this.open.set(key, message);
    return true;
  }

  clear(key: string): boolean {
    return this.open.delete(key);
  }

  get size(): number {
    return this.open.size;
  }

  messages(): string[] {
    return [...this.open.values()];
  }

  keys(): string[] {
    return [...this.open.keys()];
  }

  /** NetworkUnavailable as it should read: False (FlannelIsUp) with a running network and nothing open. */
  condition(running: boolean): NetworkCondition {
    if (running && this.open.size === 0) return { status: 'False', ...FLANNEL_IS_UP };
    const first = this.keys()[0];
    const reason = first === undefined ? 'FlannelNotRunning' : problemReason(first, this.podCidrMissing);
    const message = this.open.size === 0 ? 'Flannel is not running on this node' : this.messages().join('; ');
    return { status: 'True', reason, message };
  }
}
