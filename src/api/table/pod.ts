/**
 * The pod row, the subtlest printer: READY counts ready containers (sidecars included), STATUS is the
 * most telling container state rather than the phase, RESTARTS says when the last restart was.
 * Follows printPod in k8s.io/kubernetes pkg/printers/internalversion/printers.go (1.32).
 */
import { ageSince, humanDuration, parseTimestamp } from './duration.js';
import { isObject, objects, type Obj } from './format.js';
import type { TableCell, TableRowCondition } from './types.js';


// The reason the node lifecycle controller gives pods of an unreachable node.
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

const SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** A sidecar: an init container that keeps running alongside the main containers. */
const isRestartable = (c: Obj | undefined): boolean => c?.restartPolicy === 'Always';

function hasCondition(conditions: Obj[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

/** Latest of a running "last restart" time and a container's last termination. */
function laterRestart(last: number | undefined, status: Obj): number | undefined {
  const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
  return finished !== undefined && (last === undefined || last < finished) ? finished : last;
}

/** "Signal:9" / "ExitCode:1" for a container that terminated without a reason. */
function exitText(terminated: Obj): string {
  return terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
}

export function podRow(pod: Obj, now: number): { cells: TableCell[]; conditions?: TableRowCondition[] } {
  const spec: Obj = isObject(pod.spec) ? pod.spec : {};
  const status: Obj = isObject(pod.status) ? pod.status : {};
  const conditions = objects(status.conditions);
  const initSpecs = objects(spec.initContainers);
  const phase: string = status.phase ?? '';

  let reason: string = status.reason || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const totalContainers = objects(spec.containers).length + initSpecs.filter(isRestartable).length;
  let readyContainers = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  const initByName = new Map(initSpecs.map((c) => [c.name, c]));

  let initializing = false;
  const initStatuses = objects(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const state: Obj = isObject(cs.state) ? cs.state : {};
    restarts += cs.restartCount ?? 0;
    lastRestart = laterRestart(lastRestart, cs);
    const restartable = isRestartable(initByName.get(cs.name));
    if (restartable) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = laterRestart(lastSidecarRestart, cs);
    }
    if (isObject(state.terminated) && !state.terminated.exitCode) continue;
    if (restartable && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (isObject(state.terminated)) {
      reason = state.terminated.reason ? `Init:${state.terminated.reason}` : `Init:${exitText(state.terminated)}`;
    } else if (isObject(state.waiting) && state.waiting.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(conditions, 'Initialized')) {
    // Init containers that ran to completion no longer count; sidecars still do.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objects(status.containerStatuses);
    // Backwards, so the first container's state wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      const state: Obj = isObject(cs.state) ? cs.state : {};
      restarts += cs.restartCount ?? 0;
      lastRestart = laterRestart(lastRestart, cs);
      if (isObject(state.waiting) && state.waiting.reason) reason = state.waiting.reason;
      else if (isObject(state.terminated)) reason = state.terminated.reason || exitText(state.terminated);
      else if (cs.ready && isObject(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A finished container beside a running one does not make the pod "Completed".
    if (reason === 'Completed' && hasRunning) reason = hasCondition(conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const metadata: Obj = isObject(pod.metadata) ? pod.metadata : {};
  if (metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsText = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);

  // The printer reads the internal PodStatus, where a lone podIP has been converted into podIPs[0].
  const podIP = objects(status.podIPs)[0]?.ip || status.podIP || '<none>';
  const cells: TableCell[] = [
    metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsText,
    ageSince(metadata.creationTimestamp, now),
    podIP,
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates(spec, conditions),
  ];
  const rowConditions = phase === 'Succeeded' ? SUCCEEDED : phase === 'Failed' ? FAILED : undefined;
  return rowConditions ? { cells, conditions: rowConditions.map((c) => ({ ...c })) } : { cells };
}

/** "true gates/all gates", or "<none>" when the pod declares none. */
function readinessGates(spec: Obj, conditions: Obj[]): string {
  const gates = objects(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  // Only the first condition of each type counts, as in Go.
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}
