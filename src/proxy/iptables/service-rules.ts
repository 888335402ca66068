/**
 * The rules of one service port, as the body of kube-proxy's syncProxyRules loop writes them: the
 * entry rules (KUBE-SERVICES, KUBE-NODEPORTS, and REJECT/DROP in the filter table) always, and the
 * service's own chains (KUBE-SVC/SVL/EXT/FW/SEP) into `own`, which a partial sync points at a
 * discarding buffer for services that did not change. Argument order, quoting and comments are
 * kube-proxy's, so the text equals what a real node feeds to iptables-restore.
 */
import { categorizeEndpoints } from '../topology.js';
import {
  type EndpointInfo, type ServicePortInfo, externallyAccessible, servicePortNameString, usesClusterEndpoints, usesLocalEndpoints,
} from '../types.js';
import { cidrContains, parseCidr4 } from '../ip.js';
import {
  KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES, endpointChain, serviceChains,
} from './chains.js';
import type { LineBuffer } from './lines.js';

export interface ServiceRulesContext {
  masqueradeAll: boolean;
  /** LocalTrafficDetector by cluster CIDR: ["-s", cidr] / ["!", "-s", cidr]; undefined when not configured. */
  detector: { ifLocal: readonly string[]; ifNotLocal: readonly string[] } | undefined;
  /** The node's primary IP: a loadBalancerSourceRanges entry containing it lets the node reach the LB IP. */
  nodeIP: string | undefined;
  /** Over 1,000 endpoints: per-endpoint comments are left out, as kube-proxy's largeClusterMode does. */
  largeClusterMode: boolean;
  filterRules: LineBuffer;
  /** KUBE-SERVICES / KUBE-NODEPORTS rules: rewritten on every sync. */
  natRules: LineBuffer;
  /** The current service port's own chains, as they are declared (buildRules gathers them). */
  declared: string[];
  noLocalEndpoints: { internal: number; external: number };
}

/** A service's own chains and their rules. */
export interface OwnBuffers {
  natChains: LineBuffer;
  natRules: LineBuffer;
}

const comment = (text: string): string[] => ['-m', 'comment', '--comment', text];

export function writeServicePort(ctx: ServiceRulesContext, svc: ServicePortInfo, endpoints: readonly EndpointInfo[], own: OwnBuffers): void {
  const protocol = svc.protocol.toLowerCase();
  const name = servicePortNameString(svc.name);
  const chains = serviceChains(name, protocol);
  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints: hasEndpoints } = categorizeEndpoints(endpoints, svc);
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);

  // Where ClusterIP ("internal") and NodePort/external ("external") traffic is dispatched.
  const internalTrafficChain = svc.internalPolicyLocal ? chains.local : chains.cluster;
  const hasInternalEndpoints = hasEndpoints && (!svc.internalPolicyLocal || localEndpoints.length > 0);
  const externalPolicyChain = svc.externalPolicyLocal ? chains.local : chains.cluster;
  const hasExternalEndpoints = hasEndpoints && (!svc.externalPolicyLocal || localEndpoints.length > 0);
  const externalTrafficChain = chains.external;
  // The EXT chain is needed even without external endpoints: it short-circuits pod and node traffic.
  const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
  const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const loadBalancerTrafficChain = usesFWChain ? chains.firewall : externalTrafficChain;

  // No endpoints at all: REJECT (the client hears "port unreachable" at once). Endpoints elsewhere
  // but none here for a Local policy: DROP (as if the packet had been sent to the wrong node).
  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  if (!hasEndpoints) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = `"${name} has no endpoints"`;
  } else {
    if (!hasInternalEndpoints) {
      internalFilterTarget = 'DROP';
      internalFilterComment = `"${name} has no local endpoints"`;
      ctx.noLocalEndpoints.internal++;
    }
    if (!hasExternalEndpoints) {
      externalFilterTarget = 'DROP';
      externalFilterComment = `"${name} has no local endpoints"`;
      ctx.noLocalEndpoints.external++;
    }
  }

  const { filterRules, natRules } = ctx;
  const port = String(svc.port);
  const to = (ip: string): string[] => ['-m', protocol, '-p', protocol, '-d', ip, '--dport', port];

  if (hasInternalEndpoints) {
    natRules.write('-A', KUBE_SERVICES, comment(`"${name} cluster IP"`), to(svc.clusterIP), '-j', internalTrafficChain);
  } else {
    filterRules.write('-A', KUBE_SERVICES, comment(internalFilterComment), to(svc.clusterIP), '-j', internalFilterTarget);
  }
  for (const ip of svc.externalIPs) {
    if (hasEndpoints) natRules.write('-A', KUBE_SERVICES, comment(`"${name} external IP"`), to(ip), '-j', externalTrafficChain);
    if (!hasExternalEndpoints) filterRules.write('-A', KUBE_EXTERNAL_SERVICES, comment(externalFilterComment), to(ip), '-j', externalFilterTarget);
  }
  for (const ip of svc.loadBalancerVIPs) {
    if (hasEndpoints) natRules.write('-A', KUBE_SERVICES, comment(`"${name} loadbalancer IP"`), to(ip), '-j', loadBalancerTrafficChain);
    if (usesFWChain) {
      filterRules.write('-A', KUBE_PROXY_FIREWALL, comment(`"${name} traffic not accepted by ${chains.firewall}"`), to(ip), '-j', 'DROP');
    }
  }
  if (!hasExternalEndpoints) {
    for (const ip of svc.loadBalancerVIPs) filterRules.write('-A', KUBE_EXTERNAL_SERVICES, comment(externalFilterComment), to(ip), '-j', externalFilterTarget);
  }
  if (svc.nodePort !== 0) {
    const np = ['-m', protocol, '-p', protocol, '--dport', String(svc.nodePort)];
    if (hasEndpoints) natRules.write('-A', KUBE_NODEPORTS, comment(name), np, '-j', externalTrafficChain);
    if (!hasExternalEndpoints) {
      filterRules.write('-A', KUBE_EXTERNAL_SERVICES, comment(externalFilterComment), '-m', 'addrtype', '--dst-type', 'LOCAL', np, '-j', externalFilterTarget);
    }
  }
  if (svc.healthCheckNodePort !== 0) {
    filterRules.write('-A', KUBE_NODEPORTS, comment(`"${name} health check node port"`), '-m', 'tcp', '-p', 'tcp', '--dport', String(svc.healthCheckNodePort), '-j', 'ACCEPT');
  }

  // The service's own chains.
  const declare = (chain: string): void => {
    own.natChains.chain(chain);
    ctx.declared.push(chain);
  };
  if (hasInternalEndpoints) {
    // Off-cluster clients of a ClusterIP (a static route to the service range via any node) may be
    // sent to another node: masquerade them so replies come back through this one.
    const args = [comment(`"${name} cluster IP"`), to(svc.clusterIP)];
    if (ctx.masqueradeAll) own.natRules.write('-A', internalTrafficChain, ...args, '-j', KUBE_MARK_MASQ);
    else if (ctx.detector) own.natRules.write('-A', internalTrafficChain, ...args, ctx.detector.ifNotLocal, '-j', KUBE_MARK_MASQ);
  }
  if (usesExternalTrafficChain) {
    declare(externalTrafficChain);
    if (!svc.externalPolicyLocal) {
      // Cluster policy may send it to another node: masquerade so the reply comes back here.
      own.natRules.write('-A', externalTrafficChain, comment(`"masquerade traffic for ${name} external destinations"`), '-j', KUBE_MARK_MASQ);
    } else {
      // Local policy keeps the client's source. Pods and the node itself go to any endpoint (as if
      // through an external load balancer and back); the node's own traffic must be masqueraded.
      if (ctx.detector) {
        own.natRules.write('-A', externalTrafficChain, comment(`"pod traffic for ${name} external destinations"`), ctx.detector.ifLocal, '-j', chains.cluster);
      }
      own.natRules.write('-A', externalTrafficChain, comment(`"masquerade LOCAL traffic for ${name} external destinations"`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', KUBE_MARK_MASQ);
      own.natRules.write('-A', externalTrafficChain, comment(`"route LOCAL traffic for ${name} external destinations"`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', chains.cluster);
    }
    if (hasExternalEndpoints) own.natRules.write('-A', externalTrafficChain, '-j', externalPolicyChain);
  }
  if (usesFWChain) {
    declare(chains.firewall);
    const args = ['-A', chains.firewall, ...comment(`"${name} loadbalancer IP"`)];
    let allowFromNode = false;
    for (const cidr of svc.loadBalancerSourceRanges) {
      own.natRules.write(args, '-s', cidr, '-j', externalTrafficChain);
      if (ctx.nodeIP !== undefined && cidrContains(parseCidr4(cidr)!, ctx.nodeIP)) allowFromNode = true;
    }
    // An LB VIP that is also a local address loops a node's request back with the VIP as source.
    if (allowFromNode) for (const ip of svc.loadBalancerVIPs) own.natRules.write(args, '-s', ip, '-j', externalTrafficChain);
    // What falls off the end was not DNATed, and KUBE-PROXY-FIREWALL drops it in the filter table.
    own.natRules.write('-A', chains.firewall, ...comment(`"other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL"`));
  }
  if (usesClusterPolicyChain) {
    declare(chains.cluster);
    writeServiceToEndpointRules(ctx, own.natRules, name, protocol, svc, chains.cluster, clusterEndpoints);
  }
  if (usesLocalPolicyChain) {
    declare(chains.local);
    writeServiceToEndpointRules(ctx, own.natRules, name, protocol, svc, chains.local, localEndpoints);
  }
  for (const ep of allReachableEndpoints) {
    const sep = endpointChain(name, protocol, ep.endpoint);
    declare(sep);
    const args = ['-A', sep, ...serviceComment(ctx, name)];
    // Hairpin: a pod reaching itself through the service must be masqueraded or it would answer itself directly.
    own.natRules.write(args, '-s', ep.ip, '-j', KUBE_MARK_MASQ);
    if (svc.sessionAffinity === 'ClientIP') args.push('-m', 'recent', '--name', sep, '--set');
    own.natRules.write(args, '-m', protocol, '-p', protocol, '-j', 'DNAT', '--to-destination', ep.endpoint);
  }
}

function serviceComment(ctx: ServiceRulesContext, text: string): string[] {
  return ctx.largeClusterMode ? [] : comment(text);
}

/** Affinity checks first (a known client sticks to its endpoint), then the 1/(n-i) random spread. */
function writeServiceToEndpointRules(
  ctx: ServiceRulesContext, rules: LineBuffer, name: string, protocol: string, svc: ServicePortInfo, chain: string, endpoints: readonly EndpointInfo[],
): void {
  const sep = (ep: EndpointInfo): string => endpointChain(name, protocol, ep.endpoint);
  if (svc.sessionAffinity === 'ClientIP') {
    for (const ep of endpoints) {
      rules.write('-A', chain, serviceComment(ctx, `"${name} -> ${ep.endpoint}"`),
        '-m', 'recent', '--name', sep(ep), '--rcheck', '--seconds', String(svc.stickyMaxAgeSeconds), '--reap', '-j', sep(ep));
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const pick = i < n - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(n - i)] : [];
    rules.write('-A', chain, serviceComment(ctx, `"${name} -> ${ep.endpoint}"`), pick, '-j', sep(ep));
  });
}

/**
 * computeProbability: Go's fmt "%0.10f" of 1/n. JavaScript's toFixed rounds the same exact binary
 * value, but breaks exact ties upwards where Go rounds half to even (n = 2048, 4096, …).
 */
export function probability(n: number): string {
  const x = 1 / n;
  const rounded = x.toFixed(10);
  const eleven = x.toFixed(11);
  if (!eleven.endsWith('5') || !/^0*$/.test(x.toFixed(20).slice(13))) return rounded;
  const truncated = eleven.slice(0, -1);
  return Number(truncated.at(-1)) % 2 === 0 ? truncated : rounded;
}
