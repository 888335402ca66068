/**
 * The proxy's view of the cluster, as kube-proxy's pkg/proxy types: a ServicePortName names one port
 * of one Service; a ServicePortMap holds what every proxy mode needs to know about each service port;
 * an EndpointsMap holds each service port's endpoints with their conditions and locality. Both are
 * plain values, built by the change trackers (./tracker) and read by the rule generators.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePortName {
  namespace: string;
  name: string;
  /** The port's name; '' for a Service's only, unnamed port. */
  port: string;
  protocol: Protocol;
}

/** kube-proxy's ServicePortName.String(): "ns/name:port", or "ns/name" for an unnamed port. It feeds chain hashes. */
export function servicePortNameString(n: ServicePortName): string {
  return n.port === '' ? `${n.namespace}/${n.name}` : `${n.namespace}/${n.name}:${n.port}`;
}

/** Map key of a service port: the Go struct is a map key with its protocol, so two protocols never collide. */
export function servicePortKey(n: ServicePortName): string {
  return `${servicePortNameString(n)}/${n.protocol}`;
}

/** "namespace/name" of the Service a port belongs to: the unit of change (UpdatedServices). */
export function serviceKey(n: { namespace: string; name: string }): string {
  return `${n.namespace}/${n.name}`;
}

/** BaseServicePortInfo: one port of a Service, reduced to what proxying needs. Only IPv4 values. */
export interface ServicePortInfo {
  readonly name: ServicePortName;
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** 0 when none. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress IPs in VIP mode. */
  readonly loadBalancerVIPs: readonly string[];
  /** Normalised CIDRs ("203.0.113.0/25"). */
  readonly loadBalancerSourceRanges: readonly string[];
  readonly sessionAffinity: 'None' | 'ClientIP';
  /** sessionAffinityConfig.clientIP.timeoutSeconds; 0 without ClientIP affinity. */
  readonly stickyMaxAgeSeconds: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  /** 0 when none (only LoadBalancer services with externalTrafficPolicy Local have one). */
  readonly healthCheckNodePort: number;
  readonly hintsAnnotation: string;
}

/** NodePort, ExternalIPs or LoadBalancer VIPs: traffic can arrive from outside. */
export function externallyAccessible(s: ServicePortInfo): boolean {
  return s.nodePort !== 0 || s.loadBalancerVIPs.length > 0 || s.externalIPs.length > 0;
}

/** Cluster endpoints are needed for Cluster internal policy, and for any external traffic (short-circuiting). */
export function usesClusterEndpoints(s: ServicePortInfo): boolean {
  return !s.internalPolicyLocal || externallyAccessible(s);
}

export function usesLocalEndpoints(s: ServicePortInfo): boolean {
  return s.internalPolicyLocal || (s.externalPolicyLocal && externallyAccessible(s));
}

/** BaseEndpointInfo: one endpoint address of a service port. */
export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** Endpoint.String(): "ip:port"; endpoints are sorted and hashed by it. */
  readonly endpoint: string;
  /** On this proxy's node (EndpointSlice endpoint nodeName equals the node name). */
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly zoneHints: readonly string[];
}

/** Keyed by servicePortKey. */
export type ServicePortMap = Map<string, ServicePortInfo>;
/** Keyed by servicePortKey; each list sorted by `endpoint` (kube-proxy's byEndpoint order). */
export type EndpointsMap = Map<string, readonly EndpointInfo[]>;
