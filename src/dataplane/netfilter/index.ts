/** Public API of kemu's netfilter model (iptables tables, conntrack, NAT) for one namespace. */
export * from './errors.js';
export * from './tuple.js';
export * from './tcp-state.js';
export * from './conntrack.js';
export { formatEntry } from './conntrack-list.js';
export * from './rewrite.js';
export * from './nat.js';
export * from './rules.js';
export { tokenize, parseRule, parseCidr } from './parse-rule.js';
export { RecentLists, type RecentOptions, type RecentListing } from './recent.js';
export { IpSet, IpSets, IPSET_TYPES, normaliseEntry, type IpSetType, type SetFlag } from './ipset.js';
export { type EvalCtx, type MatchEnv } from './match.js';
export { Engine, type EngineStats } from './engine.js';
export { Ruleset, TableEdit, type Chain, type Policy, type TableState } from './tables.js';
export { applyCommand, iptables, type CommandResult } from './command.js';
export { restore, save, type RestoreOptions, type SaveOptions } from './restore.js';
export { buildRejectReply } from './reject.js';
export {
  Netfilter, type NetfilterOptions, type HookFn, type HookContext, type StolenVerdict, type Rejection, type EvalResult, type DropReason,
  type PacketCt,
} from './netfilter.js';
