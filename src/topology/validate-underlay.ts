/**
 * Underlay checks: subnets (names, sizes), routers (references, one router per subnet since each
 * takes the subnet's .1), and link impairments netem could not apply.
 */
import type { Draft } from './defaults.js';
import type { LinkParams } from './types.js';
import { cidrOf } from './ipv4.js';
import type { Reporter } from './reporter.js';

export function validateUnderlay(t: Draft, r: Reporter): void {
  const u = t.underlay ?? {};
  const subnets = u.subnets ?? [];
  if (u.subnets && subnets.length === 0) {
    r.error('spec.underlay.subnets', 'REQUIRED', 'spec.underlay.subnets: at least one subnet is required');
  }
  const names = new Map<string, number>();
  subnets.forEach((s, i) => {
    const p = `spec.underlay.subnets[${i}]`;
    if (s?.name !== undefined) {
      if (names.has(s.name)) r.error(`${p}.name`, 'DUPLICATE', `${p}.name: duplicate subnet name "${s.name}"`);
      else names.set(s.name, i);
    }
    if (s?.cidr !== undefined && cidrOf(s.cidr).prefix > 30) {
      r.error(`${p}.cidr`, 'CAPACITY', `${p}.cidr: /${cidrOf(s.cidr).prefix} leaves no room for hosts (use /30 or shorter)`);
    }
  });
  checkLink(u.links, 'spec.underlay.links', r);
  subnets.forEach((s, i) => {
    // A subnet's effective link is reported where its override is, else at the shared defaults.
    const own = `spec.underlay.subnets[${i}].link`;
    if (r.has(own)) checkLink(s?.link, own, r, true);
  });
  validateRouters(t, r, names);
}

/** netem jitters and reorders delayed packets only, so both need a delay on the same link. */
function checkLink(link: Partial<LinkParams> | undefined, path: string, r: Reporter, isOverride = false): void {
  if (!link || link.delay !== 0) return;
  for (const k of ['jitter', 'reorder'] as const) {
    const v = link[k];
    if (v === undefined || v <= 0) continue;
    // A problem a subnet merely inherits is reported once, at spec.underlay.links.
    if (isOverride && !r.hasValid(`${path}.${k}`) && !r.hasValid(`${path}.delay`)) continue;
    // An invalid delay was reported already; it says nothing about jitter.
    if (r.has(`${path}.delay`) && !r.hasValid(`${path}.delay`)) continue;
    const at = r.hasValid(`${path}.${k}`) ? `${path}.${k}` : `${path}.delay`;
    r.error(at, 'CONFLICT', `${at}: ${k} needs a non-zero delay on the same link (tc netem)`);
  }
}

function validateRouters(t: Draft, r: Reporter, subnets: Map<string, number>): void {
  const nodeNames = new Set((t.nodes ?? []).map((n) => n?.name));
  const routerNames = new Set<string>();
  const owner = new Map<string, string>();
  (t.underlay?.routers ?? []).forEach((rt, i) => {
    const p = `spec.underlay.routers[${i}]`;
    if (!rt) return;
    if (rt.name !== undefined) {
      if (routerNames.has(rt.name)) r.error(`${p}.name`, 'DUPLICATE', `${p}.name: duplicate router name "${rt.name}"`);
      else if (nodeNames.has(rt.name)) r.error(`${p}.name`, 'DUPLICATE', `${p}.name: "${rt.name}" is already the name of a node`);
      routerNames.add(rt.name);
    }
    const list = rt.subnets;
    if (list && list.length === 0) r.error(`${p}.subnets`, 'REQUIRED', `${p}.subnets: a router needs at least one subnet`);
    const mine = new Set<string>();
    (list ?? []).forEach((s, j) => {
      const sp = `${p}.subnets[${j}]`;
      if (s === undefined) return;
      if (!subnets.has(s)) {
        r.error(sp, 'UNKNOWN_REFERENCE', `${sp}: no subnet named "${s}" (subnets: ${[...subnets.keys()].join(', ')})`);
      } else if (mine.has(s)) {
        r.error(sp, 'DUPLICATE', `${sp}: subnet "${s}" is listed twice`);
      } else if (owner.has(s)) {
        // Every router takes its subnets' first address, so two routers would collide on it.
        r.error(sp, 'CONFLICT', `${sp}: subnet "${s}" is already joined by router "${owner.get(s)}" (one router per subnet)`);
      } else owner.set(s, rt.name ?? '');
      mine.add(s);
    });
  });
}
