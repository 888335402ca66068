/**
 * Link parameters of an underlay segment (the topology's LinkParams), their defaults, validation,
 * and a seeded random source so impaired runs are repeatable.
 */
import type { LinkParams } from '../../topology/types.js';
import { KemuError } from '../../util/errors.js';

export type { LinkParams };

/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** An unimpaired Ethernet link: no delay, no loss, unlimited rate, MTU 1500. */
export const DEFAULT_LINK: Readonly<LinkParams> = Object.freeze({
  delay: 0,
  jitter: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  rate: null,
  mtu: 1500,
});

/** IPv4's minimum MTU (RFC 791) and the largest frame one loopback UDP datagram carries (65507 − 14). */
export const MIN_MTU = 68;
export const MAX_MTU = 65493;

/** Throws ERR_BAD_LINK_PARAMS for values no link could have; returns the params when they are fine. */
export function validateLinkParams(p: LinkParams): LinkParams {
  const bad = (field: string, why: string): never => {
    throw new KemuError('ERR_BAD_LINK_PARAMS', `link ${field}: ${why} (got ${String((p as unknown as Record<string, unknown>)[field])})`);
  };
  for (const f of ['delay', 'jitter'] as const) {
    if (!Number.isFinite(p[f]) || p[f] < 0) bad(f, 'must be a finite number of milliseconds >= 0');
  }
  for (const f of ['loss', 'duplicate', 'reorder'] as const) {
    if (!(p[f] >= 0 && p[f] <= 1)) bad(f, 'must be a fraction between 0 and 1');
  }
  if (p.rate !== null && !(Number.isFinite(p.rate) && p.rate > 0)) bad('rate', 'must be null or bits per second > 0');
  if (!Number.isInteger(p.mtu) || p.mtu < MIN_MTU || p.mtu > MAX_MTU) bad('mtu', `must be an integer in ${MIN_MTU}..${MAX_MTU}`);
  return p;
}

/** `base` with the defined fields of `over` on top, validated. */
export function mergeLinkParams(base: LinkParams, over: Partial<LinkParams> | null | undefined): LinkParams {
  const out: LinkParams = { ...base };
  if (over) {
    for (const k of Object.keys(over) as (keyof LinkParams)[]) {
      const v = over[k];
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return validateLinkParams(out);
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG with good statistical quality for simulations (not crypto).
 * Chosen so a topology's `seed` reproduces the same losses, duplicates and jitter run after run.
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
