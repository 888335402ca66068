/** kemu's emulated workloads: see docs/apps.md. */
export type { PodNetwork, StreamSocket, TcpListener, UdpEndpoint, UdpError, Workload, WorkloadContext, WorkloadFactory } from './types.js';
export { EXIT_KILLED } from './types.js';
export { startWorkloadSandbox, literalResolver, type WorkloadSandbox, type WorkloadSandboxOptions } from './sandbox.js';
export { ContainerRunner, declaredPorts, type ContainerStatusView } from './container.js';
export { ProbeWorker, probeSettings, type ProbeKind, type ProbeSettings } from './probes.js';
export { runProbe, type ProbeOutcome, type ProbeTarget } from './probe-checks.js';
export { planContainer, planArgv, imageDef, imageRepository, startWorkload, REASON_IMAGE_NOT_EMULATED, type StartedWorkload } from './registry.js';
export { containerArgv, containerEnv, expandVars, podHostname } from './env.js';
export { Process } from './process.js';
