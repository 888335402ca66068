/**
 * Cluster networking checks: node CIDR sizing against the pod subnet (as kube-controller-manager's
 * node IPAM would refuse), disjoint networks, and CNI settings that cannot be combined.
 */
import type { Draft } from './defaults.js';
import { cidrOf, overlaps, size } from './ipv4.js';
import type { Cidr } from './ipv4.js';
import type { Reporter } from './reporter.js';

// kube-controller-manager's cidrset refuses node masks more than 16 bits longer than the cluster CIDR.
const MAX_MASK_DIFF = 16;

export function validateNetworking(t: Draft, r: Reporter): void {
  const net = t.networking ?? {};
  const mask = net.nodeCIDRMaskSize;
  const pod = net.podSubnet ? cidrOf(net.podSubnet) : undefined;
  const P = 'spec.networking';
  if (mask !== undefined && mask > 30) {
    r.error(`${P}.nodeCIDRMaskSize`, 'BAD_VALUE', `${P}.nodeCIDRMaskSize: must be at most 30 for IPv4, got ${mask}`);
  } else if (mask !== undefined && pod) {
    if (mask <= pod.prefix) {
      r.error(`${P}.nodeCIDRMaskSize`, 'BAD_VALUE', `${P}.nodeCIDRMaskSize: /${mask} must be longer than the podSubnet prefix /${pod.prefix}`);
    } else if (mask - pod.prefix > MAX_MASK_DIFF) {
      r.error(`${P}.nodeCIDRMaskSize`, 'BAD_VALUE', `${P}.nodeCIDRMaskSize: /${mask} is more than ${MAX_MASK_DIFF} bits longer than the podSubnet prefix /${pod.prefix}`);
    } else {
      const ranges = 2 ** (mask - pod.prefix);
      const nodes = (t.nodes ?? []).length;
      if (ranges < nodes) {
        r.error(`${P}.podSubnet`, 'CAPACITY', `${P}.podSubnet: ${net.podSubnet} holds ${ranges} node ranges of /${mask}, but there are ${nodes} nodes`);
      }
    }
  }
  checkOverlaps(t, r);
  checkCni(t, r, pod);
}

interface Net {
  path: string;
  label: string;
  text: string;
  cidr: Cidr;
}

/** Pod, service, load-balancer and underlay networks must all be disjoint. */
function checkOverlaps(t: Draft, r: Reporter): void {
  const P = 'spec.networking';
  const nets: Net[] = [];
  const add = (path: string, label: string, text: string | null | undefined) => {
    if (text) nets.push({ path, label, text, cidr: cidrOf(text) });
  };
  add(`${P}.podSubnet`, 'podSubnet', t.networking?.podSubnet);
  add(`${P}.serviceSubnet`, 'serviceSubnet', t.networking?.serviceSubnet);
  add(`${P}.loadBalancerPool`, 'loadBalancerPool', t.networking?.loadBalancerPool);
  (t.underlay?.subnets ?? []).forEach((s, i) => add(`spec.underlay.subnets[${i}].cidr`, `underlay subnet "${s?.name}"`, s?.cidr));
  for (let i = 0; i < nets.length; i++) {
    for (let j = i + 1; j < nets.length; j++) {
      const a = nets[i]!;
      const b = nets[j]!;
      if (!overlaps(a.cidr, b.cidr)) continue;
      // Report on the one written later in the file (a default is never "written").
      const [first, second] = later(r, a, b) ? [b, a] : [a, b];
      const same = a.cidr.base === b.cidr.base && a.cidr.prefix === b.cidr.prefix && a.label.startsWith('underlay') && b.label.startsWith('underlay');
      if (same) r.error(second.path, 'DUPLICATE', `${second.path}: ${second.text} is already the address of ${first.label}`);
      else r.error(second.path, 'CIDR_OVERLAP', `${second.path}: ${second.text} overlaps ${first.label} ${first.text}`);
    }
  }
}

function later(r: Reporter, a: Net, b: Net): boolean {
  if (!r.has(b.path)) return true;
  if (!r.has(a.path)) return false;
  const pa = r.pos(a.path);
  const pb = r.pos(b.path);
  return pa.line > pb.line || (pa.line === pb.line && pa.col > pb.col);
}

function checkCni(t: Draft, r: Reporter, pod: Cidr | undefined): void {
  const cni = t.networking?.cni;
  const P = 'spec.networking.cni';
  if (cni?.plugin === 'flannel') {
    if (cni.directRouting && cni.backend !== undefined && cni.backend !== 'vxlan') {
      r.error(`${P}.directRouting`, 'CONFLICT', `${P}.directRouting: only the vxlan backend supports directRouting (backend is ${cni.backend})`);
    }
  }
  if (cni?.plugin !== 'calico') return;
  if (cni.crossSubnet && cni.mode === 'bgp') {
    r.error(`${P}.crossSubnet`, 'CONFLICT', `${P}.crossSubnet: needs mode ipip or vxlan (mode bgp never encapsulates)`);
  }
  if (cni.blockSize !== undefined && pod && cni.blockSize < pod.prefix) {
    r.error(`${P}.blockSize`, 'CAPACITY', `${P}.blockSize: /${cni.blockSize} blocks do not fit in podSubnet /${pod.prefix}`);
  }
  if (cni.blockSize !== undefined && pod && cni.blockSize >= pod.prefix) {
    const blocks = size(pod) / 2 ** (32 - cni.blockSize);
    const nodes = (t.nodes ?? []).length;
    if (blocks < nodes) r.error(`spec.networking.podSubnet`, 'CAPACITY', `spec.networking.podSubnet: ${t.networking?.podSubnet} holds ${blocks} calico blocks of /${cni.blockSize}, but there are ${nodes} nodes`);
  }
  const names = new Set((t.nodes ?? []).map((n) => n?.name));
  const seen = new Set<string>();
  (cni.routeReflectors ?? []).forEach((rr, i) => {
    const p = `${P}.routeReflectors[${i}]`;
    if (rr === undefined) return;
    if (!names.has(rr)) r.error(p, 'UNKNOWN_REFERENCE', `${p}: no node named ${JSON.stringify(rr)}`);
    else if (seen.has(rr)) r.error(p, 'DUPLICATE', `${p}: ${JSON.stringify(rr)} is listed twice`);
    seen.add(rr);
  });
}
