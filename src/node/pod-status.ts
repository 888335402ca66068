/**
 * The PodStatus a kubelet reports, built as a pure value from what the kubelet knows locally (the
 * sandbox, its IP, readiness, exit) and the status already in the API (transition times, the
 * scheduler's PodScheduled time, conditions other components own). Shapes, reasons and messages
 * follow the kubelet's generateAPIPodStatus so `kubectl get/describe pod` read as on a real node.
 */
import { createHash } from 'node:crypto';
import type { Condition, Container, Pod } from '../api/types.js';
import { timestamp } from '../api/timestamps.js';
import { imageId, normalizeImage } from './runtime.js';
import { deepFreeze, jsonEqual } from '../api/store/freeze.js';

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

// Both are hashes of values that stay the same while a pod lives; computing them once per
// container (and once per image) instead of at every status build keeps sha256 off the hot path.
const containerIds = new Map<string, string>();
const imageIds = new Map<string, string>();
const imageNames = new Map<string, string>();
const MEMO_LIMIT = 100_000;

function memo(map: Map<string, string>, key: string, make: () => string): string {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= MEMO_LIMIT) map.clear();
    map.set(key, (v = make()));
  }
  return v;
}

export function containerId(sandboxId: string, name: string): string {
  const key = `${sandboxId}/${name}`;
  return memo(containerIds, key, () => `kemu://${createHash('sha256').update(key).digest('hex')}`);
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
    c.lastTransitionTime = prior?.status === status && prior.lastTransitionTime ? prior.lastTransitionTime : timestamp(now);
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
  status.startTime = old.startTime ?? timestamp(now);
  const init = pod.spec.initContainers ?? [];
  if (init.length) status.initContainerStatuses = init.map((c) => initContainerStatus(c, state));
  status.containerStatuses = containerStatuses;
  if (old.qosClass) status.qosClass = old.qosClass;
  const current = pod.status;
  // Nothing changed (most syncs): hand back the status the API has, so that comparing the two is
  // comparing an object with itself (canonicalJson remembers the text of a frozen object).
  if (current !== undefined && jsonEqual(status, current)) return current as PodStatus;
  // Frozen: its canonical text is made once, and the API server stores it as it is (a status
  // write shares frozen parts), so the next sync finds that text already made.
  return deepFreeze(status);
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
  const startedAt = timestamp(state.startedAt ?? 0);
  const running = state.stage === 'running';
  return {
    containerID: id,
    image: memo(imageNames, image, () => normalizeImage(image)),
    imageID: memo(imageIds, image, () => imageId(image)),
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
            finishedAt: timestamp(state.finishedAt ?? state.startedAt ?? 0),
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
  const startedAt = timestamp(state.startedAt ?? 0);
  return {
    ...base,
    ready: true,
    started: false,
    state: { terminated: { containerID: base.containerID, exitCode: 0, finishedAt: startedAt, reason: 'Completed', startedAt } },
  };
}

/**
 * JSON with sorted keys, so equal statuses compare equal whatever order their keys came in.
 * Written out directly rather than through a JSON.stringify replacer, which rebuilt every object.
 */
export function canonicalJson(v: unknown): string {
  // A frozen object (the store's) cannot change, so its text is made once.
  if (typeof v === 'object' && v !== null && Object.isFrozen(v)) {
    let text = frozenTexts.get(v);
    if (text === undefined) frozenTexts.set(v, (text = write(v)!));
    return text;
  }
  return write(v) as string; // undefined for undefined, as JSON.stringify gives it
}

const frozenTexts = new WeakMap<object, string>();

function write(v: unknown): string | undefined {
  return JSON.stringify(sortedKeys(v));
}

/**
 * The value with the keys of every object in sorted order, for the native JSON.stringify to print:
 * objects (and arrays) already in order are passed through rather than rebuilt, which for a pod
 * status is most of the small ones ({ip}, state, lastState...).
 */
function sortedKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return sortedKeys((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = sortedKeys(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  let inOrder = true;
  let prev: string | undefined;
  for (const k in o) {
    if (prev !== undefined && k < prev) {
      inOrder = false;
      break;
    }
    prev = k;
  }
  if (inOrder) {
    // Keys in order: rebuilt only if something below had to be.
    let out: Record<string, unknown> | undefined;
    for (const k in o) {
      const x = o[k];
      const y = sortedKeys(x);
      if (y !== x) (out ??= { ...o })[k] = y;
    }
    return out ?? o;
  }
  const keys = Object.keys(o);
  // Insertion sort in place: objects here have a handful of keys, and Array#sort would copy them.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortedKeys(o[k]);
  return out;
}
