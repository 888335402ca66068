/**
 * The allocation failures kube-apiserver would report while creating the file's Services in order:
 * a NodePort or ClusterIP that an earlier Service (or Kubernetes itself) already holds. The range
 * checks themselves are in src/api/validation; only collisions are found here.
 */
import { formatFieldError } from '../api/validation/index.js';
import type { FieldError } from '../api/validation/index.js';
import { effectiveClusterIPs, parseCIDR4 } from '../api/validation/service.js';
import { goStringSlice } from '../api/validation/field-error.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';
import type { Checked, ManifestEnv } from './manifests.js';
import { fieldErrorOffset as offsetOf } from './yaml-ast.js';
import type { Reporter } from './reporter.js';

export function checkAllocations(checked: Checked[], env: ManifestEnv, r: Reporter): void {
  const nodePorts = new Set<number>();
  const ips = new Set<string>();
  // The apiserver gives the first address of the range to the "kubernetes" Service.
  const range = env.serviceSubnet ? parseCIDR4(env.serviceSubnet) : undefined;
  if (range) ips.add(formatIPv4(range.base + 1));
  const fail = (c: Checked, e: FieldError) =>
    r.atOffset(offsetOf(c.doc, c.root, e, false), 'INVALID_OBJECT', `${c.label} is invalid: ${formatFieldError(e)}`);

  for (const c of checked) {
    if (c.object.kind !== 'Service') continue;
    const spec = (c.object.spec ?? {}) as Record<string, unknown>;
    const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
    const ports = Array.isArray(spec.ports) ? (spec.ports as Record<string, unknown>[]) : [];
    const mine = new Set<number>();
    if (type === 'NodePort' || type === 'LoadBalancer') {
      ports.forEach((p, i) => {
        const np = p?.nodePort;
        if (typeof np !== 'number' || np === 0) return;
        // The allocator is one bitmap of port numbers: a port taken for TCP is taken for UDP too.
        if (nodePorts.has(np)) {
          fail(c, { field: `spec.ports[${i}].nodePort`, type: 'FieldValueInvalid', message: 'provided port is already allocated', value: np });
        }
        mine.add(np);
      });
    }
    for (const np of mine) nodePorts.add(np);
    if (type === 'ExternalName') continue;
    const list = effectiveClusterIPs(spec);
    for (const ip of list) {
      if (ip === 'None' || parseIPv4(ip) === undefined) continue;
      if (ips.has(ip)) {
        fail(c, {
          field: 'spec.clusterIPs',
          type: 'FieldValueInvalid',
          message: `failed to allocate IP ${ip}: provided IP is already allocated`,
          value: list,
          goValue: goStringSlice(list),
        });
      }
      ips.add(ip);
    }
  }
}
