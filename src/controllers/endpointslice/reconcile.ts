/**
 * Packing desired endpoints into EndpointSlices with the fewest writes, as Kubernetes' reconciler
 * does: existing slices keep the endpoints still wanted (updated in place when they changed),
 * slices already being written are topped up first, leftovers go into the unchanged slice that
 * ends up fullest, and only then into new slices; a slice about to be deleted is reused for one
 * about to be created. Pure: existing slices in, slices to create/update/delete out.
 */
import type { Endpoint, EndpointSlice, Service } from '../../api/types.js';
import { deepCopy, jsonEqual } from '../../api/store/freeze.js';
import { endpointKey, newSlice, ownedBy, portMapKey, sliceLabels, type EndpointGroup } from './compute.js';

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export function reconcileSlices(svc: Service, groups: EndpointGroup[], existing: EndpointSlice[], maxPerSlice: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const owned: EndpointSlice[] = [];
  for (const s of existing) {
    // Slices of another address type, or left by an earlier Service of the same name, go.
    if (s.addressType !== 'IPv4' || !ownedBy(s, svc)) plan.delete.push(s);
    else owned.push(s);
  }
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of owned) {
    const k = portMapKey(s.ports);
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  const wanted = new Set<string>();
  for (const g of groups) {
    const k = portMapKey(g.ports);
    wanted.add(k);
    const part = reconcilePorts(svc, g, byPorts.get(k) ?? [], maxPerSlice);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  for (const [k, slices] of byPorts) if (!wanted.has(k)) plan.delete.push(...slices);

  // A selector matching nothing still gets one empty slice, so consumers can tell "no endpoints"
  // from "not yet computed".
  const ownedDeletes = plan.delete.filter((s) => owned.includes(s));
  if (ownedDeletes.length === owned.length && plan.create.length === 0) {
    const placeholder = newSlice(svc, []);
    // The placeholder that is already there stays rather than being deleted and re-created.
    if (ownedDeletes.length === 1 && isPlaceholderLike(ownedDeletes[0]!, placeholder, svc)) {
      plan.delete = plan.delete.filter((s) => s !== ownedDeletes[0]);
    } else plan.create.push(placeholder);
  }

  // finalize: turn creates into updates of slices that would otherwise be deleted.
  for (let i = 0; i < plan.delete.length && plan.create.length > 0; ) {
    const victim = plan.delete[i]!;
    if (victim.addressType === 'IPv4' && ownedBy(victim, svc)) {
      const slice = plan.create.pop()!;
      slice.metadata = { ...deepCopy(victim.metadata), labels: slice.metadata.labels };
      delete slice.metadata.generateName;
      plan.update.push(slice);
      plan.delete.splice(i, 1);
    } else i++;
  }
  return plan;
}

function isPlaceholderLike(s: EndpointSlice, placeholder: EndpointSlice, svc: Service): boolean {
  return (
    s.addressType === placeholder.addressType &&
    s.endpoints.length === 0 &&
    (s.ports ?? []).length === 0 &&
    ownedBy(s, svc) &&
    jsonEqual(s.metadata.labels ?? {}, placeholder.metadata.labels)
  );
}

function reconcilePorts(svc: Service, group: EndpointGroup, existing: EndpointSlice[], max: number): SlicePlan {
  const desired = new Map(group.endpoints);
  const byName = new Map<string, EndpointSlice>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();
  const unchanged = new Set<string>();

  // 1. Keep wanted endpoints where they are; note slices that changed.
  for (const s of existing) {
    const name = s.metadata.name ?? '';
    byName.set(name, s);
    const kept: Endpoint[] = [];
    let updated = false;
    for (const e of s.endpoints) {
      const k = endpointKey(e);
      const want = desired.get(k);
      if (!want) continue;
      kept.push(want);
      if (!jsonEqual(want, e)) updated = true;
      desired.delete(k);
    }
    const { labels, changed } = sliceLabels(s, svc);
    if (updated || kept.length !== s.endpoints.length) {
      if (kept.length === 0) toDelete.add(name);
      else {
        // Shallow copies: nested parts of `s` are only read (the API server copies what it stores).
        byName.set(name, { ...s, metadata: { ...s.metadata, labels }, endpoints: kept });
        toUpdate.add(name);
      }
    } else if (changed) {
      byName.set(name, { ...s, metadata: { ...s.metadata, labels } });
      toUpdate.add(name);
    } else unchanged.add(name);
  }

  const pop = (): Endpoint => {
    const [k, e] = desired.entries().next().value!;
    desired.delete(k);
    return e;
  };

  // 2. Top up the slices being written anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)!).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of slices) while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(pop());
  }

  // 3. Leftovers: into the unchanged slice they fill best, else new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let target: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const fit = sliceToFill([...unchanged].map((n) => byName.get(n)!), desired.size, max);
      if (fit) {
        target = { ...fit, endpoints: [...fit.endpoints] };
        byName.set(fit.metadata.name ?? '', target);
      }
    }
    target ??= newSlice(svc, group.ports);
    while (desired.size > 0 && target.endpoints.length < max) target.endpoints.push(pop());
    const name = target.metadata.name;
    if (name) {
      toUpdate.add(name);
      unchanged.delete(name);
    } else create.push(target);
  }
  return {
    create,
    update: [...toUpdate].map((n) => byName.get(n)!),
    delete: [...toDelete].map((n) => byName.get(n)!),
  };
}

/** getSliceToFill: the slice that will be closest to full once `n` endpoints are added. */
function sliceToFill(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  let closest = max;
  for (const s of slices) {
    const diff = max - (n + s.endpoints.length);
    if (diff >= 0 && diff < closest) {
      closest = diff;
      best = s;
      if (diff === 0) break;
    }
  }
  return best;
}
