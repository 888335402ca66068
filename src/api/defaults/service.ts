/**
 * Service defaulting: SetDefaults_Service plus the two pieces of the Service REST storage that every
 * client sees as defaults, clusterIPs from clusterIP (normalizeClusterIPs) and the IP-family fields
 * (initIPFamilyFields). kemu's clusters are single-stack IPv4, so the family default is IPv4.
 * ClusterIP and NodePort allocation are the allocators' business, not this file's.
 */
import { isObject, objects, setDefault, type Obj } from './json.js';

const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

/** Defaults `spec`; `status` is there for the load-balancer ingress ipMode. */
export function defaultServiceSpec(spec: Obj, status: unknown): void {
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';

  for (const p of objects(spec.ports)) {
    if (!p.protocol) p.protocol = 'TCP';
    // targetPort 0 or "" means "same as port".
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }

  const externallyAccessible =
    spec.type === 'NodePort' ||
    spec.type === 'LoadBalancer' ||
    (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (externallyAccessible && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';

  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');

  if (spec.type === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    const ingress = isObject(status) ? status.loadBalancer?.ingress : undefined;
    for (const ing of objects(ingress)) if (ing.ip) setDefault(ing, 'ipMode', 'VIP');
  }

  defaultClusterIPsAndFamilies(spec);
}

function defaultClusterIPsAndFamilies(spec: Obj): void {
  if (spec.type === 'ExternalName') return;

  // An old client sets only the singular field; the plural one follows it.
  const clusterIPs: unknown[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (spec.clusterIP && clusterIPs.length === 0) spec.clusterIPs = [spec.clusterIP];

  // Headless and selectorless (endpoints managed by hand) is the one case defaulting to dual-stack.
  const headlessSelectorless = spec.clusterIP === 'None' && (!isObject(spec.selector) || Object.keys(spec.selector).length === 0);
  if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = headlessSelectorless ? 'RequireDualStack' : 'SingleStack';

  const families: string[] = Array.isArray(spec.ipFamilies) ? [...spec.ipFamilies] : [];
  // Families not given follow the cluster IPs given.
  const ips: unknown[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  for (let i = 0; i < ips.length; i++) {
    const ip = ips[i];
    if (ip === 'None' || typeof ip !== 'string') break;
    if (i >= families.length) families.push(ip.includes(':') ? 'IPv6' : 'IPv4');
  }
  if (families.length === 0) families.push('IPv4');
  // A headless selectorless service may carry both families even on a single-stack cluster.
  if (headlessSelectorless && families.length < 2 && spec.ipFamilyPolicy !== 'SingleStack') {
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  }
  spec.ipFamilies = families;
}
