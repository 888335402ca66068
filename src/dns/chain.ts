/**
 * Builds the Handler chain from a ChainConfig. As in CoreDNS the order is fixed by the plugins,
 * not by the Corefile: errors, log, loadbalance, cache, kubernetes, forward. So errors sees every
 * failure, loadbalance rotates cached answers too, and the cache holds both cluster and upstream
 * answers. health and ready are not in the query path; they are probe functions on the result.
 */
import type { Clock } from '../util/clock.js';
import { KemuError } from '../util/errors.js';
import { compose, type Handler, type Plugin, type Readiness } from './types.js';
import type { ChainConfig } from './corefile.js';
import type { KubeView } from './kubernetes/view.js';
import { kubernetes } from './kubernetes/plugin.js';
import { errors } from './plugins/errors.js';
import { log } from './plugins/log.js';
import { loadbalance } from './plugins/loadbalance.js';
import { cache, type CacheStats } from './plugins/cache.js';
import { forward, type ForwardStats } from './plugins/forward.js';
import { healthProbe, readyProbe, type ProbeResult } from './plugins/health.js';

export interface ChainDeps {
  clock: Clock;
  /** The cluster view; required when the config has `kubernetes`. */
  view?: KubeView;
  /** This server's own addresses, for NS answers. */
  localIPs?: string[];
  onError?: (err: Error) => void;
  /** Where `log` writes its lines; without it `log` is a no-op. */
  logLine?: (line: string) => void;
  forwardTimeoutMs?: number;
  random?: () => number;
}

export interface Chain {
  handler: Handler;
  /** health's probe (CoreDNS :8080/health); undefined when the Corefile has no `health`. */
  health(): ProbeResult | undefined;
  /** ready's probe (CoreDNS :8181/ready); undefined when the Corefile has no `ready`. */
  ready(): ProbeResult | undefined;
  stats(): { errors: number; cache?: CacheStats; forward?: ForwardStats };
  close(): void;
}

export function buildChain(cfg: ChainConfig, deps: ChainDeps): Chain {
  const plugins: Plugin[] = [];
  const readiness: Readiness[] = [];
  let errorCount = 0;
  if (cfg.errors) {
    plugins.push(
      errors({
        onError: (err) => {
          errorCount++;
          deps.onError?.(err);
        },
      }),
    );
  }
  if (cfg.log && deps.logLine) plugins.push(log({ clock: deps.clock, write: deps.logLine }));
  if (cfg.loadbalance) plugins.push(loadbalance());
  const c = cfg.cache ? cache({ clock: deps.clock, zones: cfg.cache.zones, success: cfg.cache.success, denial: cfg.cache.denial }) : undefined;
  if (c) plugins.push(c.plugin);
  if (cfg.kubernetes) {
    if (!deps.view) throw new KemuError('DNS_NO_VIEW', 'dns: the kubernetes plugin needs a cluster view');
    const k = kubernetes({ ...cfg.kubernetes, view: deps.view, localIPs: deps.localIPs });
    plugins.push(k.plugin);
    readiness.push(k.readiness);
  }
  const f = cfg.forward
    ? forward({
        clock: deps.clock,
        upstreams: cfg.forward.to,
        from: cfg.forward.from,
        except: cfg.forward.except,
        policy: cfg.forward.policy,
        forceTcp: cfg.forward.forceTcp,
        timeoutMs: deps.forwardTimeoutMs,
        random: deps.random,
      })
    : undefined;
  if (f) plugins.push(f.plugin);

  return {
    handler: compose(plugins),
    health: () => (cfg.health ? healthProbe() : undefined),
    ready: () => (cfg.ready ? readyProbe(readiness) : undefined),
    stats: () => ({ errors: errorCount, cache: c?.stats(), forward: f?.stats() }),
    close: () => f?.close(),
  };
}
