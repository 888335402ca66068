/** calico-node's problems (../problems.ts) and their Event and condition reasons. */
import { NodeProblems } from '../problems.js';

export const CALICO_IS_UP = { reason: 'CalicoIsUp', message: 'Calico is running on this node' } as const;

/** Event and condition reason for a problem key. */
export function problemReason(key: string): string {
  if (key.startsWith('route ')) return 'FailedToCreateRoute';
  if (key === 'ipam') return 'CalicoIPAMFailed';
  if (key === 'tunnel') return 'CalicoTunnelFailed';
  if (key === 'bgp') return 'CalicoBGPFailed';
  return 'CalicoError';
}

export class CalicoProblems extends NodeProblems {
  constructor() {
    super(CALICO_IS_UP, { reason: 'CalicoNotRunning', message: 'Calico is not running on this node' });
  }

  override reason(key: string): string {
    return problemReason(key);
  }
}
