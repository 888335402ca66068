/** Small statistics over measured samples: nearest-rank percentiles (as ping and iperf report them). */

export interface LatencySummary {
  samples: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of `xs` (0 < p ≤ 100); undefined for no samples. */
export function percentile(xs: readonly number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function summarize(xs: readonly number[]): LatencySummary | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    samples: xs.length,
    min: round3(sorted[0]!),
    p50: round3(percentile(sorted, 50)!),
    p99: round3(percentile(sorted, 99)!),
    max: round3(sorted.at(-1)!),
    mean: round3(xs.reduce((a, b) => a + b, 0) / xs.length),
  };
}

/** Three decimals: microseconds when the unit is milliseconds. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Counts of each value, most frequent first (endpoint spread). */
export function tally(values: readonly string[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
