/**
 * Steps that drive the run rather than probe it: waiting for readiness, sleeping, waiting for a
 * background step, scaling a Deployment, and taking a snapshot of the network state.
 */
import type { Deployment } from '../../api/types.js';
import { describeReadiness } from '../../lab/readiness.js';
import type { AwaitStep, ScaleStep, SleepStep, WaitReadyStep } from '../../topology/scenario-types.js';
import type { ScenarioContext } from '../context.js';
import { snapshotNetwork } from '../measure/snapshot.js';
import type { MeasureData } from '../types.js';

type Outcome<D = Record<string, unknown>> = { ok: boolean; summary: string; data: D };

/** BGP counts as converged once no UPDATE was sent for this long. */
const BGP_QUIET_MS = 300;

/**
 * Ready means: nodes, pods and Services ready (as `kemu up` waits for them), every node's CNI agent
 * has written NetworkUnavailable either way (or no agent runs), BGP (when anything speaks it) has
 * been quiet for a moment, and kube-proxy had time for a sync.
 */
export async function runWaitReady(ctx: ScenarioContext, step: WaitReadyStep): Promise<Outcome> {
  const c = ctx.cluster;
  let last = await c.readiness();
  const cniSettled = (): boolean => c.cni.size === 0 || ctx.recorder === undefined || ctx.recorder.settled();
  const bgpQuiet = (): boolean => {
    const at = ctx.bgp?.traffic().lastUpdateAt;
    return at === undefined || at === null || ctx.clock.now() - at >= BGP_QUIET_MS;
  };
  const ok = await ctx.until(async () => {
    last = await c.readiness();
    return last.ready && cniSettled() && bgpQuiet();
  }, step.timeout, 25);
  await ctx.sleep(2 * c.config.timing.kubeProxyMinSyncPeriod);
  ctx.readyAt ??= ctx.clock.now();
  if (ctx.network === null) ctx.network = snapshotNetwork(c.network, ctx.now());
  const net = ctx.recorder?.readiness();
  const netText = c.cni.size === 0
    ? `no CNI agent (${c.config.cni} is not built yet)`
    : net === undefined ? '' : net.readyMs !== null ? `network ready at ${Math.round(net.readyMs)} ms`
      : `network unavailable on ${net.unavailable.map((u) => u.node).join(', ') || net.missing.join(', ')}`;
  const summary = ok ? `${describeReadiness(last)}; ${netText}` : `not ready within ${step.timeout} ms: ${last.waitingFor.slice(0, 3).join('; ')}`;
  return { ok, summary, data: { ready: last.ready, waitingFor: last.waitingFor, network: net ?? null } };
}

export async function runSleep(ctx: ScenarioContext, step: SleepStep): Promise<Outcome> {
  await ctx.sleep(step.duration);
  return { ok: true, summary: `slept ${step.duration} ms`, data: {} };
}

export async function runAwait(ctx: ScenarioContext, step: AwaitStep): Promise<Outcome> {
  const bg = ctx.background.get(step.of);
  if (bg === undefined) return { ok: false, summary: `no background step named ${step.of} is running`, data: {} };
  let timer: { cancel(): void } | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = ctx.clock.setTimeout(() => resolve('timeout'), step.timeout)));
  const r = await Promise.race([bg.done, timedOut]);
  timer?.cancel();
  if (r === 'timeout') return { ok: false, summary: `${step.of} still running after ${step.timeout} ms`, data: {} };
  return { ok: r.status === 'ok', summary: `${step.of} finished: ${r.summary}`, data: {} };
}

export async function runScale(ctx: ScenarioContext, step: ScaleStep): Promise<Outcome> {
  const c = ctx.cluster;
  const t0 = ctx.now();
  await c.client.patch('deployments', step.namespace, step.deployment, 'merge', { spec: { replicas: step.replicas } });
  if (!step.wait) return { ok: true, summary: `${step.deployment} scaled to ${step.replicas}`, data: { replicas: step.replicas } };
  let ready = 0;
  const ok = await ctx.until(async () => {
    const d = await c.client.get<Deployment>('deployments', step.namespace, step.deployment);
    ready = d.status?.readyReplicas ?? 0;
    const updated = d.status?.replicas ?? 0;
    return ready === step.replicas && updated === step.replicas && (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  }, step.timeout, 25);
  const ms = Math.round(ctx.now() - t0);
  const summary = ok ? `${step.deployment}: ${step.replicas} replicas ready after ${ms} ms` : `${step.deployment}: ${ready}/${step.replicas} ready after ${step.timeout} ms`;
  return { ok, summary, data: { replicas: step.replicas, ready, ms } };
}

export async function runMeasure(ctx: ScenarioContext): Promise<Outcome<MeasureData>> {
  const snapshot = snapshotNetwork(ctx.cluster.network, ctx.now());
  if (ctx.network === null) ctx.network = snapshot;
  const n = snapshot.nodes;
  const avg = (f: (x: (typeof n)[number]) => number) => (n.length ? Math.round((n.reduce((s, x) => s + f(x), 0) / n.length) * 10) / 10 : 0);
  const tunnels = [...new Set(n.flatMap((x) => x.tunnels.map((t) => `${t.name} (${t.kind}, mtu ${t.mtu})`)))];
  const mtus = [...new Set(n.flatMap((x) => x.podMtus))];
  const summary = `per node: ${avg((x) => x.routes)} routes, ${avg((x) => x.neighbours)} neighbours, ${avg((x) => x.fdb)} fdb, ${avg((x) => x.natRules)} nat rules; ` +
    `tunnels: ${tunnels.join(', ') || 'none'}; pod MTU ${mtus.join('/') || '-'}`;
  return { ok: true, summary, data: { kind: 'measure', snapshot } };
}
