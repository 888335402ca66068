/**
 * The pure core of kube-proxy's iptables proxier (syncProxyRules, v1.28+ layout, without nfacct):
 * service and endpoint maps in, iptables-restore text out, meant for `--noflush`. Every sync rewrites
 * the top-level chains (KUBE-SERVICES, KUBE-NODEPORTS, …) whole; a partial sync rewrites the chains
 * of changed services only and leaves the others alone (kube-proxy's MinimizeIPTablesRestore), and
 * chains no longer wanted are flushed and deleted (`:CHAIN` then `-X CHAIN`).
 */
import { type EndpointInfo, type EndpointsMap, type ServicePortInfo, type ServicePortMap, serviceKey } from '../types.js';
import { type Cidr4, cidrContains, isIPv4, normaliseCidr, parseCidr4 } from '../ip.js';
import { KemuError } from '../../util/errors.js';
import {
  KUBE_EXTERNAL_SERVICES, KUBE_FIREWALL, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL,
  KUBE_SERVICES, isServiceChainName,
} from './chains.js';
import { DiscardLineBuffer, LineBuffer } from './lines.js';
import { type ServiceRulesContext, writeServicePort } from './service-rules.js';

/** kube-proxy's largeClusterEndpointsThreshold. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** The node and the kube-proxy flags the rules depend on. */
export interface IptablesConfig {
  nodeName: string;
  /** The node's IPv4 addresses, primary first (NodePorts on them under nodePortAddresses; LB source ranges). */
  nodeIPs: readonly string[];
  /** --cluster-cidr: traffic from outside it to a ClusterIP is masqueraded. Unset: no such rule. */
  clusterCIDR?: string;
  /** --masquerade-all: masquerade every ClusterIP connection. Default false. */
  masqueradeAll?: boolean;
  /** --iptables-masquerade-bit; default 14 (mark 0x4000). */
  masqueradeBit?: number;
  /** --nodeport-addresses CIDRs; empty (default): NodePorts on every local address. */
  nodePortAddresses?: readonly string[];
  /** --iptables-localhost-nodeports; default true (needs route_localnet on a real node). */
  localhostNodePorts?: boolean;
  /** nf_conntrack_tcp_be_liberal is set: no DROP of INVALID packets in KUBE-FORWARD. Default false. */
  conntrackTCPLiberal?: boolean;
  /** iptables knows MASQUERADE --random-fully (any iptables since 1.6.2). Default true. */
  randomFully?: boolean;
}

export interface RulesInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  /** Rewrite every service's chains (else only those of changedServices). */
  fullSync: boolean;
  /** "namespace/name" of services whose chains must be rewritten in a partial sync. */
  changedServices: ReadonlySet<string>;
  /** The nat table's chains now (kube-proxy's iptables-save); stale service chains among them are deleted. */
  existingNatChains?: Iterable<string>;
  /** The caller's memory of each service port's entry rules from earlier builds (see EntryRulesCache). */
  entryCache?: EntryRulesCache;
}

/**
 * What one service port wrote outside its own chains (KUBE-SERVICES, KUBE-NODEPORTS and filter
 * rules), for the service and endpoints objects it was built from. Those lines are rewritten on
 * every sync; for a port whose objects are the same ones (the change trackers replace the objects
 * of what changed), they are the same lines, so a partial sync copies them instead of building
 * them again — at 10,000 services, building them was half of a partial sync.
 */
export interface EntryRules {
  svc: ServicePortInfo;
  endpoints: readonly EndpointInfo[] | undefined;
  nat: string[];
  filter: string[];
  /** The port's own chains (kept, not deleted, by a sync that does not rewrite them). */
  chains: string[];
  noLocalEndpoints: { internal: number; external: number };
}

export type EntryRulesCache = Map<string, EntryRules>;

export interface RulesOutput {
  /** iptables-restore input: *filter … COMMIT *nat … COMMIT. */
  text: string;
  /** Every per-service nat chain the rules use (written now or kept from before). */
  activeNatChains: Set<string>;
  /** Per-service nat chains declared (created or rewritten) by this text. */
  writtenChains: string[];
  /** Stale chains flushed and deleted by this text. */
  deletedChains: string[];
  largeClusterMode: boolean;
  /** Service ports kube-proxy would program but this engine cannot (SCTP). */
  skippedPorts: string[];
  noLocalEndpoints: { internal: number; external: number };
}

/** "%#08x" of the mark bit, as kube-proxy formats it: bit 14 → "0x00004000". */
export function masqueradeMark(bit: number): string {
  return `0x${(2 ** bit).toString(16).padStart(8, '0')}`;
}

/** kube-proxy's NodePortAddresses: match-all, or the node addresses inside the CIDRs. */
export function nodePortDestinations(cfg: IptablesConfig): { matchAll: boolean; ips: string[]; containsLoopback: boolean } {
  const cidrs: Cidr4[] = [];
  for (const text of cfg.nodePortAddresses ?? []) {
    const c = parseCidr4(text);
    if (c === undefined) throw new KemuError('ERR_PROXY_CONFIG', `nodePortAddresses: "${text}" is not an IPv4 CIDR`);
    cidrs.push(c);
  }
  const matchAll = cidrs.length === 0 || cidrs.some((c) => c.prefix === 0);
  const candidates = [...cfg.nodeIPs.filter(isIPv4), '127.0.0.1'];
  const ips = matchAll ? [] : candidates.filter((ip) => cidrs.some((c) => cidrContains(c, ip)));
  return { matchAll, ips, containsLoopback: matchAll || cidrs.some((c) => cidrContains(c, '127.0.0.1')) };
}

export function buildRules(cfg: IptablesConfig, input: RulesInput): RulesOutput {
  const mark = masqueradeMark(cfg.masqueradeBit ?? 14);
  const nodePorts = nodePortDestinations(cfg);
  // Localhost NodePorts need NodePorts on 127.0.0.1 to begin with.
  const localhostNodePorts = (cfg.localhostNodePorts ?? true) && nodePorts.containsLoopback;
  const cidr = cfg.clusterCIDR === undefined ? undefined : normaliseCidr(cfg.clusterCIDR);
  if (cfg.clusterCIDR !== undefined && cidr === undefined) throw new KemuError('ERR_PROXY_CONFIG', `clusterCIDR "${cfg.clusterCIDR}" is not an IPv4 CIDR`);

  const filterChains = new LineBuffer();
  const filterRules = new LineBuffer();
  const natChains = new LineBuffer();
  const natRules = new LineBuffer();
  const skipped = { natChains: new DiscardLineBuffer(), natRules: new DiscardLineBuffer() };
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterChains.chain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) natChains.chain(c);

  // Marked packets are masqueraded once; the mark is cleared so a packet re-entering the stack is not masqueraded twice.
  natRules.write('-A', KUBE_POSTROUTING, '-m', 'mark', '!', '--mark', `${mark}/${mark}`, '-j', 'RETURN');
  natRules.write('-A', KUBE_POSTROUTING, '-j', 'MARK', '--xor-mark', mark);
  natRules.write('-A', KUBE_POSTROUTING, '-m', 'comment', '--comment', '"kubernetes service traffic requiring SNAT"', '-j', 'MASQUERADE',
    cfg.randomFully === false ? [] : ['--random-fully']);
  natRules.write('-A', KUBE_MARK_MASQ, '-j', 'MARK', '--or-mark', mark);
  if (localhostNodePorts) {
    // route_localnet opens 127.0.0.0/8 to the outside; this rule closes it again except for NodePorts.
    filterChains.chain(KUBE_FIREWALL);
    filterRules.write('-A', KUBE_FIREWALL, '-m', 'comment', '--comment', '"block incoming localnet connections"', '-d', '127.0.0.0/8',
      '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');
  }

  const keys = [...input.services.keys()].sort();
  let totalEndpoints = 0;
  for (const k of keys) totalEndpoints += input.endpoints.get(k)?.length ?? 0;
  /** Every per-service nat chain the rules use, written now or kept from before. */
  const activeNatChains = new Set<string>();
  const ctx: ServiceRulesContext = {
    masqueradeAll: cfg.masqueradeAll ?? false,
    detector: cidr === undefined ? undefined : { ifLocal: ['-s', cidr], ifNotLocal: ['!', '-s', cidr] },
    nodeIP: cfg.nodeIPs.find(isIPv4),
    largeClusterMode: totalEndpoints > LARGE_CLUSTER_ENDPOINTS,
    filterRules,
    natRules,
    declared: [],
    noLocalEndpoints: { internal: 0, external: 0 },
  };
  const writtenChains: string[] = [];
  const skippedPorts: string[] = [];
  // A rewritten service's own rules follow its entry rules, as in kube-proxy's one buffer; they are
  // written apart first so that the entry rules alone can be remembered.
  const ownRules = new LineBuffer();
  const own = { natChains: new RecordingChains(natChains, writtenChains), natRules: ownRules };
  for (const k of keys) {
    const svc = input.services.get(k)!;
    if (svc.protocol === 'SCTP') {
      skippedPorts.push(k); // kemu's netfilter has no -m sctp
      continue;
    }
    const rewrite = input.fullSync || input.changedServices.has(serviceKey(svc.name));
    const endpoints = input.endpoints.get(k);
    const cached = input.entryCache?.get(k);
    if (!rewrite && cached !== undefined && cached.svc === svc && cached.endpoints === endpoints) {
      natRules.push(cached.nat);
      filterRules.push(cached.filter);
      for (const c of cached.chains) activeNatChains.add(c);
      ctx.noLocalEndpoints.internal += cached.noLocalEndpoints.internal;
      ctx.noLocalEndpoints.external += cached.noLocalEndpoints.external;
      continue;
    }
    const mark = { nat: natRules.lines, filter: filterRules.lines, internal: ctx.noLocalEndpoints.internal, external: ctx.noLocalEndpoints.external };
    const chains: string[] = [];
    ctx.declared = chains;
    writeServicePort(ctx, svc, endpoints ?? [], rewrite ? own : skipped);
    for (const c of chains) activeNatChains.add(c);
    input.entryCache?.set(k, {
      svc, endpoints, nat: natRules.since(mark.nat), filter: filterRules.since(mark.filter), chains,
      noLocalEndpoints: { internal: ctx.noLocalEndpoints.internal - mark.internal, external: ctx.noLocalEndpoints.external - mark.external },
    });
    if (rewrite) natRules.push(ownRules.take());
  }
  if (input.entryCache !== undefined) for (const k of input.entryCache.keys()) if (!input.services.has(k)) input.entryCache.delete(k);

  const deletedChains: string[] = [];
  if (input.existingNatChains !== undefined) {
    for (const c of input.existingNatChains) if (!activeNatChains.has(c) && isServiceChainName(c)) deletedChains.push(c);
    deletedChains.sort();
    // The chain line flushes it (so nothing it jumps to stays referenced); then it can go.
    for (const c of deletedChains) {
      natChains.chain(c);
      natRules.write('-X', c);
    }
  }

  // Last rule of KUBE-SERVICES: anything to a local address that no service matched may be a NodePort.
  const nodePortsComment = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (nodePorts.matchAll) {
    natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', nodePortsComment, '-m', 'addrtype', '--dst-type', 'LOCAL',
      localhostNodePorts ? [] : ['!', '-d', '127.0.0.0/8'], '-j', KUBE_NODEPORTS);
  } else {
    for (const ip of nodePorts.ips) {
      if (ip.startsWith('127.') && !localhostNodePorts) continue;
      natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', nodePortsComment, '-d', ip, '-j', KUBE_NODEPORTS);
    }
  }

  if (!(cfg.conntrackTCPLiberal ?? false)) filterRules.write('-A', KUBE_FORWARD, '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP');
  // Masqueraded (service) traffic is forwarded even under a FORWARD policy of DROP, and so are its replies.
  filterRules.write('-A', KUBE_FORWARD, '-m', 'comment', '--comment', '"kubernetes forwarding rules"', '-m', 'mark', '--mark', `${mark}/${mark}`, '-j', 'ACCEPT');
  filterRules.write('-A', KUBE_FORWARD, '-m', 'comment', '--comment', '"kubernetes forwarding conntrack rule"', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');

  const text = `*filter\n${filterChains.text()}${filterRules.text()}COMMIT\n*nat\n${natChains.text()}${natRules.text()}COMMIT\n`;
  return {
    text, activeNatChains, writtenChains, deletedChains, largeClusterMode: ctx.largeClusterMode, skippedPorts,
    noLocalEndpoints: ctx.noLocalEndpoints,
  };
}

/** The nat chain buffer, noting which per-service chains a sync declares (for stats and tests). */
class RecordingChains extends LineBuffer {
  constructor(private readonly target: LineBuffer, private readonly written: string[]) {
    super();
  }

  override chain(name: string): void {
    this.written.push(name);
    this.target.chain(name);
  }

  override write(): void {
    throw new KemuError('ERR_PROXY_INTERNAL', 'rules written to the chain buffer');
  }
}
