/** Public API of kemu's kube-proxy: change trackers, the bounded-frequency runner, the iptables mode. */
export * from './types.js';
export { categorizeEndpoints, type CategorizedEndpoints } from './topology.js';
export { ServiceChangeTracker, serviceToServiceMap, shouldSkipService, type UpdateServiceMapResult } from './tracker/service.js';
export { EndpointsChangeTracker, LABEL_SERVICE_NAME, type UpdateEndpointsMapResult } from './tracker/endpoints.js';
export { BoundedFrequencyRunner, type BoundedFrequencyRunnerOptions } from './runner.js';
export type { Provider, ServiceHandler, EndpointSliceHandler } from './provider.js';
export { runProxyConfig, type ProxyConfigHandle } from './config.js';
export { endpointChain, hash16, isServiceChainName, serviceChains } from './iptables/chains.js';
export { buildRules, masqueradeMark, type IptablesConfig, type RulesInput, type RulesOutput } from './iptables/rules.js';
export { JUMP_RULES, ensureJumpRules, jumpArgs } from './iptables/jumps.js';
export { IptablesProxier, type IptablesProxierOptions, type SyncStats } from './iptables/proxier.js';
