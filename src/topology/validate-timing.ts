/**
 * Timer checks: values the components would refuse or that defeat their purpose (a lease renewed
 * less often than it expires, a BGP keepalive slower than the hold time).
 */
import type { Draft } from './defaults.js';
import { formatDuration } from './duration.js';
import type { Reporter } from './reporter.js';
import type { Timing } from './types.js';

const P = 'spec.timing';

// Periods that drive loops; zero would spin or never fire.
const POSITIVE: (keyof Timing)[] = [
  'nodeMonitorGracePeriod', 'nodeMonitorPeriod', 'leaseDuration', 'leaseRenewInterval', 'nodeStatusReportFrequency',
  'kubeProxySyncPeriod', 'bgpConnectRetryTime', 'conntrackUDPTimeout',
];

/** [shorter, longer]: the first must be strictly shorter than the second. */
const SHORTER: [keyof Timing, keyof Timing, string][] = [
  ['leaseRenewInterval', 'leaseDuration', 'the lease would expire between renewals'],
  ['nodeMonitorPeriod', 'nodeMonitorGracePeriod', 'a node would be marked NotReady between two checks'],
];

export function validateTiming(t: Draft, r: Reporter): void {
  const tm = t.timing ?? {};
  if (tm.speed !== undefined && !(tm.speed > 0)) r.error(`${P}.speed`, 'BAD_VALUE', `${P}.speed: must be greater than 0, got ${tm.speed}`);
  for (const k of POSITIVE) {
    if (tm[k] === 0) r.error(`${P}.${k}`, 'BAD_VALUE', `${P}.${k}: must be greater than 0`);
  }
  for (const [a, b, why] of SHORTER) {
    const va = tm[a];
    const vb = tm[b];
    if (va && vb && va >= vb) {
      r.error(`${P}.${a}`, 'CONFLICT', `${P}.${a}: ${formatDuration(va)} must be shorter than ${b} ${formatDuration(vb)} (${why})`);
    }
  }
  const min = tm.kubeProxyMinSyncPeriod;
  const sync = tm.kubeProxySyncPeriod;
  if (min !== undefined && sync && min > sync) {
    r.error(`${P}.kubeProxyMinSyncPeriod`, 'CONFLICT', `${P}.kubeProxyMinSyncPeriod: ${formatDuration(min)} must not be longer than kubeProxySyncPeriod ${formatDuration(sync)}`);
  }
  const hold = tm.bgpHoldTime;
  const keepalive = tm.bgpKeepaliveTime;
  // RFC 4271 4.2: the hold time is 0 (no keepalives) or at least three seconds, and fits 16 bits.
  if (hold !== undefined && hold !== 0 && (hold < 3000 || hold > 65535_000)) {
    r.error(`${P}.bgpHoldTime`, 'BAD_VALUE', `${P}.bgpHoldTime: must be 0 or between 3s and 18h12m15s (RFC 4271), got ${formatDuration(hold)}`);
  } else if (hold && keepalive === 0) {
    r.error(`${P}.bgpKeepaliveTime`, 'BAD_VALUE', `${P}.bgpKeepaliveTime: must be greater than 0 when bgpHoldTime is not 0`);
  } else if (hold && keepalive !== undefined && keepalive >= hold) {
    r.error(`${P}.bgpKeepaliveTime`, 'CONFLICT', `${P}.bgpKeepaliveTime: ${formatDuration(keepalive)} must be shorter than bgpHoldTime ${formatDuration(hold)} (the peer would time out between keepalives)`);
  }
}
