/**
 * Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1) validation. Both carry pod IPs that
 * kube-proxy programs, so addresses are checked as Kubernetes does, special ranges included.
 */
import { child, duplicate, index, invalid, notSupported, required, tooMany } from './field-error.js';
import type { FieldError } from './field-error.js';
import { validateLabelName, validateObjectMeta } from './meta.js';
import { PROTOCOLS } from './pod.js';
import { isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isValidPortNum, nameIsDNSSubdomain, parseIPv4, VALID_IP_MSG } from './names.js';
import { arr, has, num, obj, str } from './util.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ADDRESSES = 100;
const MAX_ENDPOINTS = 1000;

/** ValidateNonSpecialIP: endpoint IPs may not be unspecified, loopback or link-local. */
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  if (!isIP(ip)) return [invalid(path, ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const a = parseIPv4(ip);
  const v6 = ip.toLowerCase();
  if (a === 0 || v6 === '::') errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if ((a !== undefined && a >>> 24 === 127) || v6 === '::1') {
    errs.push(invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  }
  if ((a !== undefined && a >>> 16 === 0xa9fe) || /^fe[89ab]/.test(v6)) {
    errs.push(invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if ((a !== undefined && a >>> 8 === 0xe00000) || v6.startsWith('ff02:')) {
    errs.push(invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

function validateNodeNameRef(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  return isDNS1123Subdomain(str(v)).map((m) => invalid(path, str(v), m));
}

export function validateEndpoints(ep: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  arr(ep.subsets).forEach((raw, i) => {
    const ss = obj(raw);
    const p = index('subsets', i);
    if (arr(ss.addresses).length === 0 && arr(ss.notReadyAddresses).length === 0) {
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    for (const f of ['addresses', 'notReadyAddresses']) {
      arr(ss[f]).forEach((a, j) => errs.push(...validateEndpointAddress(obj(a), index(child(p, f), j))));
    }
    const ports = arr(ss.ports);
    ports.forEach((raw2, j) => {
      const port = obj(raw2);
      const pp = index(child(p, 'ports'), j);
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(required(child(pp, 'name')));
      else if (name) for (const m of isDNS1123Label(name)) errs.push(invalid(child(pp, 'name'), name, m));
      for (const m of isValidPortNum(num(port.port))) errs.push(invalid(child(pp, 'port'), num(port.port), m));
      const proto = has(port, 'protocol') ? str(port.protocol) : 'TCP';
      if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(pp, 'protocol'), proto, PROTOCOLS));
      if (has(port, 'appProtocol')) errs.push(...validateLabelName(str(port.appProtocol), child(pp, 'appProtocol')));
    });
  });
  return errs;
}

function validateEndpointAddress(a: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = str(a.ip);
  if (!isIP(ip)) errs.push(invalid(child(path, 'ip'), ip, VALID_IP_MSG));
  const hostname = str(a.hostname);
  if (hostname) for (const m of isDNS1123Label(hostname)) errs.push(invalid(child(path, 'hostname'), hostname, m));
  errs.push(...validateNodeNameRef(a.nodeName, child(path, 'nodeName')));
  errs.push(...validateNonSpecialIP(ip, child(path, 'ip')));
  return errs;
}

export function validateEndpointSlice(slice: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain);
  const addressType = str(slice.addressType);
  const endpoints = arr(slice.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else {
    endpoints.forEach((raw, i) => {
      const e = obj(raw);
      const p = index('endpoints', i);
      const ap = child(p, 'addresses');
      const addresses = arr(e.addresses).map(str);
      if (addresses.length === 0) errs.push(required(ap, 'must contain at least 1 address'));
      else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(ap, addresses.length, MAX_ADDRESSES));
      addresses.forEach((addr, j) => {
        const pj = index(ap, j);
        if (addressType === 'IPv4') {
          if (!isIPv4(addr)) errs.push(invalid(pj, addr, 'must be a valid IPv4 address'));
          errs.push(...validateNonSpecialIP(addr, pj));
        } else if (addressType === 'IPv6') {
          if (!isIP(addr) || isIPv4(addr)) errs.push(invalid(pj, addr, 'must be a valid IPv6 address'));
          errs.push(...validateNonSpecialIP(addr, pj));
        }
      });
      errs.push(...validateNodeNameRef(e.nodeName, child(p, 'nodeName')));
      if (has(e, 'hostname')) for (const m of isDNS1123Label(str(e.hostname))) errs.push(invalid(child(p, 'hostname'), str(e.hostname), m));
    });
  }
  const names = new Set<string>();
  arr(slice.ports).forEach((raw, i) => {
    const port = obj(raw);
    const p = index('ports', i);
    const name = str(port.name);
    if (name) for (const m of isDNS1123Label(name)) errs.push(invalid(child(p, 'name'), name, m));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    const proto = has(port, 'protocol') ? str(port.protocol) : 'TCP';
    if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, 'protocol'), proto, PROTOCOLS));
    if (has(port, 'appProtocol')) errs.push(...validateLabelName(str(port.appProtocol), child(p, 'appProtocol')));
  });
  // Checked on create (ValidateEndpointSliceCreate); addressType is immutable afterwards.
  if (!addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported('addressType', addressType, ADDRESS_TYPES));
  return errs;
}
