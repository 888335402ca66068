/**
 * calico-node's open problems, keyed so that one reported on every pass stays one problem, and what
 * a user sees of them: a Warning Event when one appears or changes, NetworkUnavailable (False,
 * CalicoIsUp, "Calico is running on this node" once programmed and nothing is open; True with the
 * problem otherwise), and one line for the lab to print.
 */
import type { NetworkCondition } from '../flannel/node-status.js';

export const CALICO_IS_UP = { reason: 'CalicoIsUp', message: 'Calico is running on this node' } as const;

/** Event and condition reason for a problem key. */
export function problemReason(key: string): string {
  if (key.startsWith('route ')) return 'FailedToCreateRoute';
  if (key === 'ipam') return 'CalicoIPAMFailed';
  if (key === 'tunnel') return 'CalicoTunnelFailed';
  if (key === 'bgp') return 'CalicoBGPFailed';
  return 'CalicoError';
}

export class CalicoProblems {
  private readonly open = new Map<string, string>();

  /** True when new or changed (worth an Event). */
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

  condition(running: boolean): NetworkCondition {
    if (running && this.open.size === 0) return { status: 'False', ...CALICO_IS_UP };
    const first = [...this.open.keys()][0];
    return {
      status: 'True',
      reason: first === undefined ? 'CalicoNotRunning' : problemReason(first),
      message: this.open.size === 0 ? 'Calico is not running on this node' : this.messages().join('; '),
    };
  }
}
