/**
 * One probe attempt, as the kubelet's prober makes it from the node: httpGet (status 200–399 is
 * success; redirects are not followed), tcpSocket (connect, then close), and exec/grpc, which
 * kemu cannot run inside an emulated container and counts as success (with a one-time warning).
 * Failure messages are the kubelet's, so `kubectl describe pod` reads the same.
 */
import type { Container } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import { KUBELET_VERSION } from '../node/registration.js';
import { goNetError, httpGet } from './http-client.js';
import type { PodNetwork } from './types.js';

export type ProbeOutcome = { ok: true } | { ok: false; message: string };

export interface ProbeTarget {
  /** Where the probe connects from: the node's host network. */
  net: PodNetwork;
  clock: Clock;
  podIP: string;
  container: Container;
  /** A Warning Event, at most once per reason for this container. */
  warnOnce(reason: string, message: string): void;
}

export const REASON_PROBE_NOT_EMULATED = 'ProbeNotEmulated';
/** The kubelet reads at most this much of a probe's response body. */
const MAX_PROBE_BODY = 10 * 1024;
const USER_AGENT = `kube-probe/${KUBELET_VERSION.replace(/^v(\d+\.\d+).*$/, '$1')}`;

/** A probe's port: a number, or the name of one of the container's ports. */
export function probePort(port: unknown, container: Container): number | string {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  return named ? named.containerPort : `couldn't find port: ${String(port)} in ${container.name}`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export async function runProbe(probe: Record<string, any>, kind: string, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  if (probe.httpGet) return httpProbe(probe.httpGet, kind, target, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, target, timeoutMs);
  const what = probe.exec ? 'exec' : probe.grpc ? 'grpc' : undefined;
  if (!what) return { ok: false, message: 'missing probe handler' };
  target.warnOnce(`${REASON_PROBE_NOT_EMULATED}/${what}`, `${what} probes are not emulated by kemu; the ${kind} probe of container ${target.container.name} counts as succeeding`);
  return { ok: true };
}

async function httpProbe(h: Record<string, any>, kind: string, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = probePort(h.port, target.container);
  if (typeof port === 'string') return { ok: false, message: port };
  if (String(h.scheme ?? 'HTTP').toUpperCase() === 'HTTPS') {
    target.warnOnce(`${REASON_PROBE_NOT_EMULATED}/https`, `HTTPS probes are not emulated by kemu; the ${kind} probe of container ${target.container.name} is made over plain HTTP`);
  }
  const host = h.host || target.podIP;
  let path = String(h.path ?? '/');
  if (!path.startsWith('/')) path = `/${path}`;
  if (!IPV4.test(host)) return { ok: false, message: `Get "http://${host}:${port}${path}": dial tcp: lookup ${host}: no such host` };
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close' };
  for (const hh of (h.httpHeaders ?? []) as { name: string; value: string }[]) headers[hh.name] = hh.value;
  try {
    const res = await httpGet({
      host, port, path, headers, timeoutMs, clock: target.clock, maxBodyBytes: MAX_PROBE_BODY,
      connect: (ip, p, o) => target.net.connectTcp(ip, p, o).on('error', () => {}) as ReturnType<PodNetwork['connectTcp']>,
    });
    if (res.status >= 200 && res.status < 400) return { ok: true };
    return { ok: false, message: `HTTP probe failed with statuscode: ${res.status}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function tcpProbe(t: Record<string, any>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = probePort(t.port, target.container);
  if (typeof port === 'string') return Promise.resolve({ ok: false, message: port });
  const host = t.host || target.podIP;
  if (!IPV4.test(host)) return Promise.resolve({ ok: false, message: `dial tcp: lookup ${host}: no such host` });
  return new Promise((resolve) => {
    const socket = target.net.connectTcp(host, port, { timeoutMs });
    socket.on('error', () => {}); // late errors (a reset after we closed) must not become uncaught
    let done = false;
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      timer.cancel();
      resolve(outcome);
    };
    const timer = target.clock.setTimeout(() => {
      socket.destroy();
      finish({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.once('connect', () => {
      // Close as the kubelet does (a FIN, not a reset), then let go of the socket.
      socket.once('finish', () => socket.destroy());
      socket.end();
      finish({ ok: true });
    });
    socket.once('error', (err) => {
      socket.destroy();
      const code = (err as { code?: string }).code;
      finish({ ok: false, message: code === 'ETIMEDOUT' ? `dial tcp ${host}:${port}: i/o timeout` : goNetError(err, host, port) });
    });
  });
}
