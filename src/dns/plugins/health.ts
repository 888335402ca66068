/**
 * health and ready, as CoreDNS's :8080/health and :8181/ready endpoints but exposed as functions
 * (the lab or a test decides whether to serve them over HTTP). health is 200 while the process
 * runs; ready is 200 once every plugin that reports readiness (kubernetes: informers synced) is
 * ready, else 503 naming those that are not.
 */
import type { Readiness } from '../types.js';

export interface ProbeResult {
  status: number;
  body: string;
}

export function healthProbe(): ProbeResult {
  return { status: 200, body: 'OK' };
}

export function readyProbe(parts: readonly Readiness[]): ProbeResult {
  const notReady = parts.filter((p) => !p.ready()).map((p) => p.name);
  return notReady.length === 0 ? { status: 200, body: 'OK' } : { status: 503, body: notReady.join(', ') };
}
