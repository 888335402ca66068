/**
 * The PodStatus a kubelet reports, built as a pure value from what the kubelet knows locally (the
 * sandbox, its IP, readiness, exit) and the status already in the API (transition times, the
 * scheduler's PodScheduled time, conditions other components own). Shapes, reasons and messages
 * follow the kubelet's generateAPIPodStatus so `kubectl get/describe pod` read as on a real node.
 */
import { createHash } from 'node:crypto';
import type { Condition, Container, Pod } from '../api/types.js';
import { rfc3339 } from '../util/time.js';
import { imageId, normalizeImage } from './runtime.js';

export type PodStage = 'pending' | 'running' | 'stopped';

export interface LocalPodState {
  stage: PodStage;
  sandboxId?: string;
  ip?: string;
  hostIP?: string;
  ready: boolean;
  /** When the containers started (ms). */
  startedAt?: number;
  restartCount: number;
  /** Set once stopped: whether the grace period ran out, and when the containers exited. */
  killed?: boolean;
  finishedAt?: number;
}

// types.ts does not type initContainerStatuses yet.
type PodStatus = NonNullable<Pod['status']> & { initContainerStatuses?: unknown[] };

/** Conditions the kubelet owns (kubetypes.PodConditionsByKubelet); others are preserved. */
const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

export function containerId(sandboxId: string, name: string): string {
  return `kemu://${createHash('sha256').update(`${sandboxId}/${name}`).digest('hex')}`;
}

export function buildPodStatus(pod: Pod, state: LocalPodState, now: number): PodStatus {
  const old = pod.status ?? {};
  const containers = pod.spec.containers ?? [];
  const phase = state.stage === 'running' ? 'Running' : state.stage === 'stopped' ? (state.killed ? 'Failed' : 'Succeeded') : 'Pending';
  const containerStatuses = containers.map((c) => containerStatus(c, state));
  const unready = containerStatuses.filter((c) => !c.ready).map((c) => c.name);

  const cond = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const prior = old.conditions?.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    const c: Condition = { type, status, lastProbeTime: null };
    // Transition times move only when the status flips (the status manager's rule).
    c.lastTransitionTime = prior?.status === status && prior.lastTransitionTime ? prior.lastTransitionTime : rfc3339(now);
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  };
  const terminalReason = phase === 'Succeeded' ? 'PodCompleted' : phase === 'Failed' ? 'PodFailed' : undefined;
  const readyArgs: [boolean, string?, string?] = terminalReason
    ? [false, terminalReason]
    : unready.length
      ? [false, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`]
      : [true];
  const scheduled = old.conditions?.find((c) => c.type === 'PodScheduled');
  const conditions: Condition[] = [
    ...(old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    cond('PodReadyToStartContainers', state.stage === 'running'),
    cond('Initialized', true, phase === 'Succeeded' ? 'PodCompleted' : undefined),
    cond('Ready', ...readyArgs),
    cond('ContainersReady', ...readyArgs),
    scheduled?.status === 'True' ? { ...scheduled } : cond('PodScheduled', true),
  ];

  const status: PodStatus = { phase, conditions };
  if (state.hostIP) {
    status.hostIP = state.hostIP;
    status.hostIPs = [{ ip: state.hostIP }];
  }
  // A stopped pod keeps reporting the IP it had, as the kubelet does for terminated pods.
  if (state.ip && state.stage !== 'pending') {
    status.podIP = state.ip;
    status.podIPs = [{ ip: state.ip }];
  }
  status.startTime = old.startTime ?? rfc3339(now);
  const init = pod.spec.initContainers ?? [];
  if (init.length) status.initContainerStatuses = init.map((c) => initContainerStatus(c, state));
  status.containerStatuses = containerStatuses;
  if (old.qosClass) status.qosClass = old.qosClass;
  return status;
}

function containerStatus(c: Container, state: LocalPodState): any {
  const image = c.image ?? '';
  if (state.stage === 'pending' || !state.sandboxId) {
    return {
      image,
      imageID: '',
      lastState: {},
      name: c.name,
      ready: false,
      restartCount: state.restartCount,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
    };
  }
  const id = containerId(state.sandboxId, c.name);
  const startedAt = rfc3339(state.startedAt ?? 0);
  const running = state.stage === 'running';
  return {
    containerID: id,
    image: normalizeImage(image),
    imageID: imageId(image),
    lastState: {},
    name: c.name,
    ready: running && state.ready,
    restartCount: state.restartCount,
    started: running,
    state: running
      ? { running: { startedAt } }
      : {
          terminated: {
            containerID: id,
            exitCode: state.killed ? 137 : 0,
            finishedAt: rfc3339(state.finishedAt ?? state.startedAt ?? 0),
            reason: state.killed ? 'Error' : 'Completed',
            startedAt,
          },
        },
  };
}

/** Init containers are not emulated: they complete the moment the sandbox exists. */
function initContainerStatus(c: Container, state: LocalPodState): any {
  const base = containerStatus(c, state);
  if (!state.sandboxId || state.stage === 'pending') return { ...base, state: { waiting: { reason: 'PodInitializing' } } };
  const startedAt = rfc3339(state.startedAt ?? 0);
  return {
    ...base,
    ready: true,
    started: false,
    state: { terminated: { containerID: base.containerID, exitCode: 0, finishedAt: startedAt, reason: 'Completed', startedAt } },
  };
}

/** JSON with sorted keys, so equal statuses compare equal whatever order their keys came in. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]]))
      : val,
  );
}
