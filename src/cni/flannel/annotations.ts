/**
 * flannel's node annotations (prefix flannel.alpha.coreos.com), pure: what a node publishes, the
 * patch that makes a Node carry them, and the lease another node reads back from them.
 */
import type { Node } from '../../api/types.js';
import { parseIpv4 } from '../../net/index.js';
import type { Lease, LeaseAttrs } from '../backend.js';
import { parseIpv4Cidr } from './cidr.js';

export const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com';
export const ANNOTATIONS = {
  subnetKubeManaged: `${ANNOTATION_PREFIX}/kube-subnet-manager`,
  backendType: `${ANNOTATION_PREFIX}/backend-type`,
  backendData: `${ANNOTATION_PREFIX}/backend-data`,
  publicIP: `${ANNOTATION_PREFIX}/public-ip`,
} as const;

/** The annotations flannel writes for `attrs`, values exactly as flanneld writes them. */
export function leaseAnnotations(attrs: LeaseAttrs): Record<string, string> {
  return {
    [ANNOTATIONS.backendData]: attrs.backendData,
    [ANNOTATIONS.backendType]: attrs.backendType,
    [ANNOTATIONS.subnetKubeManaged]: 'true',
    [ANNOTATIONS.publicIP]: attrs.publicIP,
  };
}

/**
 * The merge patch that gives `node` the annotations for `attrs`, or undefined when it carries them
 * already (AcquireLease patches only on a difference).
 */
export function annotationPatch(node: Node, attrs: LeaseAttrs): { metadata: { annotations: Record<string, string> } } | undefined {
  const want = leaseAnnotations(attrs);
  const have = node.metadata.annotations ?? {};
  const changed: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) changed[k] = v;
  return Object.keys(changed).length === 0 ? undefined : { metadata: { annotations: changed } };
}

/** The node's IPv4 pod CIDR: spec.podCIDRs' IPv4 entry, else spec.podCIDR; undefined when unassigned. */
export function podCidrOf(node: Node): string | undefined {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  for (const c of cidrs) if (parseIpv4Cidr(c) !== undefined) return c;
  return undefined;
}

/**
 * nodeToLease: the lease a node publishes, or undefined when it is not managed by flannel
 * (kube-subnet-manager != "true") or its annotations or podCIDR do not parse.
 */
export function nodeToLease(node: Node): Lease | undefined {
  const a = node.metadata.annotations ?? {};
  if (a[ANNOTATIONS.subnetKubeManaged] !== 'true') return undefined;
  const publicIP = a[ANNOTATIONS.publicIP];
  if (publicIP === undefined || !parseIpv4(publicIP).ok) return undefined;
  const cidr = podCidrOf(node);
  if (cidr === undefined) return undefined;
  const parsed = parseIpv4Cidr(cidr)!;
  return {
    subnet: parsed.text,
    attrs: { publicIP, backendType: a[ANNOTATIONS.backendType] ?? '', backendData: a[ANNOTATIONS.backendData] ?? '' },
    node: node.metadata.name,
  };
}
