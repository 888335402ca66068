/** The lab's packet plane: LabNetwork (hosts, routers, underlay, pods), its extension API, trace and capture. */
export { LabNetwork, PreciseClock, type LabNetworkOptions, type NodeNet, type RouterNet, type UnderlayLink } from './network.js';
export type { PodAttacher, PodNet } from './pods.js';
export { registerNetworkApi } from './api.js';
export { traceProbe, type TraceOptions, type TraceResult } from './trace.js';
export { captureTarget, type CaptureOptions, type CaptureResult } from './capture.js';
export { resolveTarget, resolveNamespaceTarget, TARGET_SYNTAX, type ResolvedTarget } from './targets.js';
export { matchesIp, matchesFrame, type ProbeSpec, type ProbeProto } from './probe.js';
