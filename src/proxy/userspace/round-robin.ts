/**
 * The userspace proxy's LoadBalancerRR (pkg/proxy/userspace/roundrobin.go): per service port a list
 * of "ip:port" endpoints, shuffled whenever the set changes, handed out round robin; with ClientIP
 * affinity a client keeps its endpoint while it used it less than timeoutSeconds ago (whole seconds,
 * as Go's int(time.Since(...).Seconds())). A failed dial asks again with sessionAffinityReset, which
 * skips (and then overwrites) the client's remembered endpoint. Pure: time is passed in.
 */

interface Affinity {
  endpoint: string;
  lastUsed: number;
}

interface BalancerState {
  endpoints: string[];
  index: number;
  affinity: 'None' | 'ClientIP';
  ttlSeconds: number;
  clients: Map<string, Affinity>;
}

/** v1.DefaultClientIPServiceAffinitySeconds: used when the service gives no timeout. */
const DEFAULT_TTL_SECONDS = 10800;

export type NextEndpointError = 'missing-service' | 'missing-endpoints';

export class LoadBalancerRR {
  private readonly services = new Map<string, BalancerState>();

  /** @param random uniform in [0, 1), for the shuffle (seed it in tests). */
  constructor(private readonly random: () => number = Math.random) {}

  /** NewService: creates the port's state, or sets its affinity. */
  newService(svcPort: string, affinity: 'None' | 'ClientIP', ttlSeconds: number): void {
    const s = this.state(svcPort);
    s.affinity = affinity;
    s.ttlSeconds = ttlSeconds === 0 ? DEFAULT_TTL_SECONDS : ttlSeconds;
  }

  deleteService(svcPort: string): void {
    this.services.delete(svcPort);
  }

  /**
   * OnEndpointsUpdate for one port: when the set differs, affinities to endpoints that left are
   * dropped, the new list is shuffled and the round robin starts over. An empty list resets the
   * port (resetService). Returns whether anything changed.
   */
  setEndpoints(svcPort: string, endpoints: readonly string[]): boolean {
    const s = this.state(svcPort);
    if (endpoints.length === 0) {
      const had = s.endpoints.length > 0;
      s.endpoints = [];
      s.index = 0;
      s.clients.clear();
      return had;
    }
    const next = new Set(endpoints);
    if (s.endpoints.length === next.size && s.endpoints.every((e) => next.has(e))) return false;
    for (const [ip, a] of s.clients) if (!next.has(a.endpoint)) s.clients.delete(ip);
    s.endpoints = this.shuffle([...next]);
    s.index = 0;
    return true;
  }

  hasEndpoints(svcPort: string): boolean {
    return (this.services.get(svcPort)?.endpoints.length ?? 0) > 0;
  }

  /** The port's endpoints in their round-robin order (for tests and status). */
  endpoints(svcPort: string): readonly string[] {
    return this.services.get(svcPort)?.endpoints ?? [];
  }

  /** NextEndpoint: the client's endpoint (affinity) or the next in turn; an error name when there is none. */
  nextEndpoint(svcPort: string, clientIP: string, sessionAffinityReset: boolean, now: number): string | NextEndpointError {
    const s = this.services.get(svcPort);
    if (s === undefined) return 'missing-service';
    if (s.endpoints.length === 0) return 'missing-endpoints';
    const sticky = s.affinity === 'ClientIP';
    if (sticky && !sessionAffinityReset) {
      const a = s.clients.get(clientIP);
      if (a !== undefined && Math.trunc((now - a.lastUsed) / 1000) < s.ttlSeconds) {
        a.lastUsed = now;
        return a.endpoint;
      }
    }
    const endpoint = s.endpoints[s.index]!;
    s.index = (s.index + 1) % s.endpoints.length;
    if (sticky) s.clients.set(clientIP, { endpoint, lastUsed: now });
    return endpoint;
  }

  /** CleanupStaleStickySessions: forgets clients idle for the timeout or longer. */
  cleanupStaleStickySessions(svcPort: string, now: number): void {
    const s = this.services.get(svcPort);
    if (s === undefined) return;
    for (const [ip, a] of s.clients) if (Math.trunc((now - a.lastUsed) / 1000) >= s.ttlSeconds) s.clients.delete(ip);
  }

  private state(svcPort: string): BalancerState {
    let s = this.services.get(svcPort);
    if (s === undefined) {
      s = { endpoints: [], index: 0, affinity: 'None', ttlSeconds: DEFAULT_TTL_SECONDS, clients: new Map() };
      this.services.set(svcPort, s);
    }
    return s;
  }

  private shuffle(list: string[]): string[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  }
}

export function isEndpointError(r: string): r is NextEndpointError {
  return r === 'missing-service' || r === 'missing-endpoints';
}
