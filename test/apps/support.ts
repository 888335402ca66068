/** Helpers for the workload tests: pods, started workloads with captured logs/warnings, clients. */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Container, Pod } from '../../src/api/types.js';
import { type Clock, RealClock } from '../../src/util/clock.js';
import type { Process } from '../../src/apps/process.js';
import { startWorkload } from '../../src/apps/registry.js';
import { literalResolver } from '../../src/apps/sandbox.js';
import { containerEnv, podHostname } from '../../src/apps/env.js';
import type { PodNetwork, WorkloadContext } from '../../src/apps/types.js';
import type { Fabric } from './fabric.js';

export function makePod(name: string, containers: Partial<Container>[], spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: containers.map((c, i) => ({ name: `c${i}`, ...c })) as Container[], ...spec },
  } as Pod;
}

export interface Running<T extends Process = Process> {
  workload: T;
  emulated: boolean;
  program: string;
  logs: string[];
  warnings: { reason: string; message: string }[];
  ctx: Omit<WorkloadContext, 'args'>;
}

export interface StartOptions {
  clock?: Clock;
  podName?: string;
  resolve?: (host: string) => Promise<string>;
}

/** Starts the container's program on the fabric host `ip`, as the sandbox would. */
export function startOn<T extends Process = Process>(fabric: Fabric, ip: string, container: Partial<Container>, o: StartOptions = {}): Running<T> {
  const pod = makePod(o.podName ?? `pod-${ip.replace(/\./g, '-')}`, [container]);
  const logs: string[] = [];
  const warnings: { reason: string; message: string }[] = [];
  const c = pod.spec.containers[0]!;
  const ctx: Omit<WorkloadContext, 'args'> = {
    pod, podIP: ip, hostname: podHostname(pod), container: c, env: containerEnv(pod, c, ip), net: fabric.host(ip),
    clock: o.clock ?? new RealClock(), resolve: o.resolve ?? literalResolver,
    warn: (reason, message) => warnings.push({ reason, message }), log: (line) => logs.push(line),
  };
  const started = startWorkload(ctx);
  return { workload: started.workload as T, emulated: started.emulated, program: started.program, logs, warnings, ctx };
}

export const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request over the fabric from `net` (a fresh connection each time). */
export function request(net: PodNetwork, ip: string, port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: ip, port, path, method: init.method ?? 'GET', headers: init.headers,
      createConnection: () => net.connectTcp(ip, port) as unknown as Socket,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end(init.body);
  });
}

/** Sends one datagram from an ephemeral port of `net` and waits for the first answer (undefined on timeout). */
export function udpAsk(net: PodNetwork, ip: string, port: number, payload: string | Uint8Array, timeoutMs = 300): Promise<{ text: string; localPort: number } | undefined> {
  return new Promise((resolve) => {
    const ep = net.bindUdp(0, (data) => {
      clearTimeout(t);
      ep.close();
      resolve({ text: Buffer.from(data).toString('utf8'), localPort: ep.port });
    });
    const t = setTimeout(() => {
      ep.close();
      resolve(undefined);
    }, timeoutMs);
    ep.send(typeof payload === 'string' ? Buffer.from(payload) : payload, port, ip);
  });
}

/** Resolves when the workload has exited (or rejects after `ms`). */
export function exited(w: Process, ms = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (w.exitCode !== undefined) return resolve(w.exitCode);
    const t = setTimeout(() => reject(new Error('workload did not exit')), ms);
    w.onExit((code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}
