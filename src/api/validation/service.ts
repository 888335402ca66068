/**
 * Service validation (pkg/apis/core/validation ValidateService) plus the two range checks that
 * kube-apiserver makes in its allocators (ClusterIP inside --service-cluster-ip-range, NodePort
 * inside --service-node-port-range), with the allocators' wording. Fields Kubernetes defaults
 * (type, protocol, sessionAffinity, traffic policies, clusterIPs) are read at their defaults.
 */
import { child, duplicate, forbidden, goQuote, goStringSlice, index, invalid, notSupported, required } from './field-error.js';
import type { FieldError } from './field-error.js';
import { validateLabels, validateObjectMeta, validateLabelName } from './meta.js';
import { PROTOCOLS } from './pod.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  parseIPv4,
  VALID_IP_MSG,
} from './names.js';
import { validateNonSpecialIP } from './endpoints.js';
import { arr, has, num, obj, str } from './util.js';

export interface ServiceValidationOptions {
  /** The cluster's service CIDR; when given, a requested clusterIP must lie inside it. */
  serviceSubnet?: string;
  /** The NodePort range; default 30000-32767 as kube-apiserver's --service-node-port-range. */
  nodePortRange?: { min: number; max: number };
}

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const KUBELET_PORT = 10250;
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/** The clusterIPs Kubernetes' strategy derives before validation (clusterIP and clusterIPs kept in sync). */
export function effectiveClusterIPs(spec: Record<string, unknown>): string[] {
  const ips = arr(spec.clusterIPs).map(str);
  const ip = str(spec.clusterIP);
  if (ips.length === 0 && ip) return [ip];
  return ips;
}

export function validateService(svc: Record<string, unknown>, opts: ServiceValidationOptions = {}): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label);
  const spec = obj(svc.spec);
  const type = has(spec, 'type') ? str(spec.type) : 'ClusterIP';
  const ports = arr(spec.ports).map(obj);
  const clusterIP = str(spec.clusterIP) || str(arr(spec.clusterIPs)[0]);
  const clusterIPs = effectiveClusterIPs(spec);
  // isHeadlessService looks at clusterIPs only, whatever the type.
  const headless = clusterIPs.length === 1 && clusterIPs[0] === 'None';

  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  if (type === 'LoadBalancer') {
    ports.forEach((p, i) => {
      if (num(p.port) === KUBELET_PORT) {
        errs.push(invalid(index('spec.ports', i), KUBELET_PORT, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
      }
    });
  }
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (clusterIPs.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (has(spec, 'ipFamilyPolicy')) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    // The value (a CNAME) may end in a dot to mark it fully qualified.
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, m));
    else errs.push(required('spec.externalName'));
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index('spec.ports', i))));
  if (has(spec, 'selector')) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = has(spec, 'sessionAffinity') ? str(spec.sessionAffinity) : 'None';
  if (!AFFINITIES.includes(affinity)) errs.push(notSupported('spec.sessionAffinity', affinity, AFFINITIES));
  if (affinity === 'ClientIP') {
    const t = obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds;
    // Kubernetes defaults an absent timeout to 10800 seconds.
    if (t !== undefined && t !== null && (num(t) <= 0 || num(t) > MAX_CLIENT_IP_AFFINITY_SECONDS)) {
      errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
    }
  } else if (affinity === 'None' && has(spec, 'sessionAffinityConfig')) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  if (type !== 'ExternalName') errs.push(...validateClusterIPs(spec, clusterIP, clusterIPs, opts));
  arr(spec.externalIPs).forEach((raw, i) => {
    const ip = str(raw);
    const p = index('spec.externalIPs', i);
    if (!isIP(ip)) errs.push(invalid(p, ip, VALID_IP_MSG));
    else errs.push(...validateNonSpecialIP(ip, p));
  });

  if (!TYPES.includes(type)) errs.push(notSupported('spec.type', type, TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (num(p.nodePort) !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const proto = has(p, 'protocol') ? str(p.protocol) : 'TCP';
    if (num(p.nodePort) !== 0) {
      const k = `${proto}/${num(p.nodePort)}`;
      if (nodePorts.has(k)) errs.push(duplicate(`spec.ports[${i}].nodePort`, num(p.nodePort)));
      nodePorts.add(k);
    }
    const k = `${proto}/${num(p.port)}`;
    if (portKeys.has(k)) errs.push(duplicate(index('spec.ports', i), { protocol: proto, port: num(p.port) }, goServicePortKey(proto, num(p.port))));
    portKeys.add(k);
  });
  errs.push(...validateTrafficPolicies(spec, type));
  errs.push(...validateNodePortRange(ports, type, opts));
  return errs;
}

// Kubernetes reports duplicate ports by printing the map key it used: a core.ServicePort.
function goServicePortKey(proto: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${goQuote(proto)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

function validateServicePort(p: Record<string, unknown>, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(required(child(path, 'name')));
  else if (name) {
    for (const m of isDNS1123Label(name)) errs.push(invalid(child(path, 'name'), name, m));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
  }
  for (const m of isValidPortNum(num(p.port))) errs.push(invalid(child(path, 'port'), num(p.port), m));
  const proto = has(p, 'protocol') ? str(p.protocol) : 'TCP';
  if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(path, 'protocol'), proto, PROTOCOLS));
  // An absent (or zero) targetPort defaults to port.
  const tp = p.targetPort;
  if (typeof tp === 'number' && tp !== 0) for (const m of isValidPortNum(tp)) errs.push(invalid(child(path, 'targetPort'), tp, m));
  if (typeof tp === 'string') for (const m of isValidPortName(tp)) errs.push(invalid(child(path, 'targetPort'), tp, m));
  if (has(p, 'appProtocol')) errs.push(...validateLabelName(str(p.appProtocol), child(path, 'appProtocol')));
  return errs;
}

function validateClusterIPs(spec: Record<string, unknown>, clusterIP: string, ips: string[], opts: ServiceValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (clusterIP && ips.length > 0 && ips[0] !== clusterIP) {
    errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`', goStringSlice(ips)));
  }
  let bad = false;
  ips.forEach((ip, i) => {
    if (ip === 'None') {
      if (i !== 0) errs.push(invalid(index('spec.clusterIPs', i), ip, "'None' must be the first and only value"));
      return;
    }
    if (!isIP(ip)) {
      bad = true;
      errs.push(invalid(index('spec.clusterIPs', i), ip, VALID_IP_MSG));
    }
  });
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', ips, 'may only hold up to 2 values', goStringSlice(ips)));
  if (has(spec, 'ipFamilyPolicy') && !IP_FAMILY_POLICIES.includes(str(spec.ipFamilyPolicy))) {
    errs.push(notSupported('spec.ipFamilyPolicy', str(spec.ipFamilyPolicy), IP_FAMILY_POLICIES));
  }
  arr(spec.ipFamilies).forEach((f, i) => {
    if (!IP_FAMILIES.includes(str(f))) errs.push(notSupported(index('spec.ipFamilies', i), str(f), IP_FAMILIES));
  });
  // The allocator's check: a requested IPv4 clusterIP must be a usable address of the service CIDR.
  const range = opts.serviceSubnet ? parseCIDR4(opts.serviceSubnet) : undefined;
  if (!bad && range) {
    for (const ip of ips) {
      const a = parseIPv4(ip);
      if (a === undefined) continue;
      if (!inRange(a, range)) {
        const why = `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${opts.serviceSubnet}`;
        errs.push(invalid('spec.clusterIPs', ips, `failed to allocate IP ${ip}: ${why}`, goStringSlice(ips)));
      }
    }
  }
  return errs;
}

function validateTrafficPolicies(spec: Record<string, unknown>, type: string): FieldError[] {
  const errs: FieldError[] = [];
  const external = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
  const etp = str(spec.externalTrafficPolicy);
  if (!external) {
    if (etp) errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp && !TRAFFIC_POLICIES.includes(etp)) {
    errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const hc = num(spec.healthCheckNodePort);
  if (hc !== 0 && !(type === 'LoadBalancer' && etp === 'Local')) {
    errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  const itp = str(spec.internalTrafficPolicy);
  if (itp && !TRAFFIC_POLICIES.includes(itp)) errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  return errs;
}

function validateNodePortRange(ports: Record<string, unknown>[], type: string, opts: ServiceValidationOptions): FieldError[] {
  if (type !== 'NodePort' && type !== 'LoadBalancer') return [];
  const { min, max } = opts.nodePortRange ?? { min: 30000, max: 32767 };
  const errs: FieldError[] = [];
  ports.forEach((p, i) => {
    const np = num(p.nodePort);
    if (np !== 0 && (np < min || np > max)) {
      errs.push(invalid(`spec.ports[${i}].nodePort`, np, `provided port is not in the valid range. The range of valid ports is ${min}-${max}`));
    }
  });
  return errs;
}

// ---- IPv4 CIDR arithmetic for the allocator range check ---------------------------------------------

export interface CIDR4 {
  base: number;
  prefix: number;
}

export function parseCIDR4(s: string): CIDR4 | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  const a = m ? parseIPv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (a === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (a & mask) >>> 0, prefix };
}

// The allocator never hands out the network or (IPv4) broadcast address of the range.
function inRange(a: number, r: CIDR4): boolean {
  const size = 2 ** (32 - r.prefix);
  if (size <= 2) return a >= r.base && a < r.base + size;
  return a > r.base && a < r.base + size - 1;
}
