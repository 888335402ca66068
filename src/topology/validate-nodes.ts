/**
 * Node checks (names, subnet references, addresses, labels, taints) and the assignment of
 * addresses to nodes that do not name one: in file order, from the subnet's .2 up, skipping
 * addresses already taken, the way docker hands out addresses to kind's node containers.
 */
import { fieldErrorBody, validateLabels, validateTaints, isValidLabelValue } from '../api/validation/index.js';
import type { FieldError } from '../api/validation/index.js';
import type { Draft } from './defaults.js';
import { broadcastOf, cidrOf, contains, formatIPv4, parseIPv4 } from './ipv4.js';
import type { Cidr } from './ipv4.js';
import type { Reporter } from './reporter.js';

export function validateNodes(t: Draft, r: Reporter): void {
  const nodes = t.nodes ?? [];
  if (t.nodes && nodes.length === 0) r.error('spec.nodes', 'REQUIRED', 'spec.nodes: at least one node is required');
  const subnets = new Map<string, Cidr>();
  for (const s of t.underlay?.subnets ?? []) if (s?.name && s.cidr) subnets.set(s.name, cidrOf(s.cidr));
  // Names of all subnets, also those whose CIDR is invalid (already reported).
  const allSubnets = [...new Set((t.underlay?.subnets ?? []).flatMap((s) => (s?.name ? [s.name] : [])))];
  const names = new Set<string>();
  const used = new Map<number, string>();
  nodes.forEach((n, i) => {
    const p = `spec.nodes[${i}]`;
    if (!n) return;
    if (n.name !== undefined) {
      if (names.has(n.name)) r.error(`${p}.name`, 'DUPLICATE', `${p}.name: duplicate node name "${n.name}"`);
      names.add(n.name);
    }
    const subnet = n.subnet === undefined ? undefined : subnets.get(n.subnet);
    if (n.subnet !== undefined && !allSubnets.includes(n.subnet)) {
      r.error(`${p}.subnet`, 'UNKNOWN_REFERENCE', `${p}.subnet: no subnet named "${n.subnet}" (subnets: ${allSubnets.join(', ')})`);
    }
    if (n.address !== undefined && subnet) checkAddress(n.address, n.subnet!, subnet, `${p}.address`, used, n.name ?? '', r);
    const labels = (n.labels ?? {}) as Record<string, string>;
    for (const e of validateLabels(labels, `${p}.labels`)) reportFieldError(e, r, labels);
    for (const e of validateTaints(n.taints ?? [], `${p}.taints`)) reportFieldError(e, r);
    if (n.zone !== undefined && n.zone !== null) {
      for (const m of isValidLabelValue(n.zone)) r.error(`${p}.zone`, 'BAD_VALUE', `${p}.zone: invalid zone ${JSON.stringify(n.zone)}: ${m}`);
    }
  });
}

function checkAddress(address: string, subnetName: string, c: Cidr, path: string, used: Map<number, string>, node: string, r: Reporter): void {
  const a = parseIPv4(address)!;
  const where = `subnet "${subnetName}" (${formatIPv4(c.base)}/${c.prefix})`;
  let problem: string | undefined;
  if (!contains(c, a)) problem = `is outside ${where}`;
  else if (a === c.base) problem = `is the network address of ${where}`;
  else if (a === broadcastOf(c)) problem = `is the broadcast address of ${where}`;
  else if (a === c.base + 1) problem = `is reserved for the gateway of ${where} (nodes start at .2)`;
  else if (used.has(a)) {
    r.error(path, 'DUPLICATE', `${path}: ${address} is already the address of node "${used.get(a)}"`);
    return;
  }
  if (problem) r.error(path, 'BAD_VALUE', `${path}: ${address} ${problem}`);
  else used.set(a, node);
}

/**
 * Labels and taints are checked by the Kubernetes validator; its errors keep Kubernetes' wording
 * (which names the label map, not the label) and are placed at the offending key or value.
 */
function reportFieldError(e: FieldError, r: Reporter, labels?: Record<string, string>): void {
  const message = `${e.field}: ${fieldErrorBody(e)}`;
  if (labels && typeof e.value === 'string') {
    if (Object.prototype.hasOwnProperty.call(labels, e.value)) return r.error(`${e.field}[${e.value}]`, 'BAD_VALUE', message, 'key');
    const k = Object.keys(labels).find((x) => labels[x] === e.value);
    if (k !== undefined) return r.error(`${e.field}[${k}]`, 'BAD_VALUE', message);
  }
  r.error(e.field, 'BAD_VALUE', message);
}

/** Gives every node without an address the next free one of its subnet. */
export function assignAddresses(t: Draft, r: Reporter): void {
  const used = new Set<number>();
  const nodes = t.nodes ?? [];
  for (const n of nodes) if (n?.address) used.add(parseIPv4(n.address)!);
  const cidrs = new Map((t.underlay?.subnets ?? []).map((s) => [s?.name, s?.cidr ? cidrOf(s.cidr) : undefined]));
  nodes.forEach((n, i) => {
    if (!n || n.address !== undefined || r.has(`spec.nodes[${i}].address`)) return;
    const c = cidrs.get(n.subnet);
    // A subnet too small for hosts was reported already.
    if (!c || c.prefix > 30) return;
    for (let a = c.base + 2; a < broadcastOf(c); a++) {
      if (!used.has(a)) {
        used.add(a);
        n.address = formatIPv4(a);
        return;
      }
    }
    r.error(`spec.nodes[${i}]`, 'CAPACITY', `spec.nodes[${i}]: ${`subnet "${n.subnet}" (${formatIPv4(c.base)}/${c.prefix})`} has no free address left for node "${n.name}"`);
  });
}
