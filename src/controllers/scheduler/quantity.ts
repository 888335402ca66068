/**
 * Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity), parsed exactly: the
 * mantissa and suffix become a rational number in BigInt, so `0.1` CPU is 100 millicores and not
 * 100.00000000000001. Pure; the scheduler compares cpu in millicores (MilliValue) and every other
 * resource in whole units rounded up (Value), as kube-scheduler does.
 */
import { KemuError } from '../../util/errors.js';

/** Suffix → [power of 2, power of 10]. Binary SI, decimal SI; exponents are handled apart. */
const SUFFIXES: Readonly<Record<string, readonly [number, number]>> = {
  Ki: [10, 0],
  Mi: [20, 0],
  Gi: [30, 0],
  Ti: [40, 0],
  Pi: [50, 0],
  Ei: [60, 0],
  n: [0, -9],
  u: [0, -6],
  m: [0, -3],
  '': [0, 0],
  k: [0, 3],
  M: [0, 6],
  G: [0, 9],
  T: [0, 12],
  P: [0, 15],
  E: [0, 18],
};

// <signedNumber><suffix>: digits with an optional fraction ("1.", ".5" are legal), then a suffix
// or a decimal exponent (e3, E-2).
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** A quantity as sign × num / den, num and den non-negative. */
interface Rational {
  num: bigint;
  den: bigint;
}

function parseRational(s: string): Rational {
  const m = QUANTITY.exec(s.trim());
  if (!m) throw new KemuError('ERR_BAD_QUANTITY', `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(s)}`);
  const [, sign, number, exponent, suffix] = m;
  const [intPart, fracPart = ''] = number!.split('.');
  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  const [pow2, pow10] = exponent ? [0, Number(exponent.slice(1))] : SUFFIXES[suffix ?? '']!;
  num *= 2n ** BigInt(pow2);
  if (pow10 >= 0) num *= 10n ** BigInt(pow10);
  else den *= 10n ** BigInt(-pow10);
  if (sign === '-') num = -num;
  return { num, den };
}

/** Division rounding toward +infinity, as Quantity.Value/MilliValue round up. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** Value(): whole units, rounded up ("1.5" → 2, "100m" → 1, "1Ki" → 1024). Throws ERR_BAD_QUANTITY. */
export function quantityValue(s: string): number {
  const r = parseRational(s);
  return Number(ceilDiv(r.num, r.den));
}

/** MilliValue(): thousandths, rounded up ("100m" → 100, "1" → 1000, "1e-4" → 1). Throws ERR_BAD_QUANTITY. */
export function quantityMilliValue(s: string): number {
  const r = parseRational(s);
  return Number(ceilDiv(r.num * 1000n, r.den));
}

/**
 * The amount the scheduler compares for resource `name`: millicores for cpu, whole units for
 * everything else. A malformed quantity counts as 0 (the API server validates them on write).
 */
export function resourceAmount(name: string, s: string | number | undefined): number {
  if (s === undefined) return 0;
  try {
    const str = String(s);
    return name === 'cpu' ? quantityMilliValue(str) : quantityValue(str);
  } catch {
    return 0;
  }
}
