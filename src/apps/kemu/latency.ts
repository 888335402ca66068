/**
 * Latency samples with bounded memory: a reservoir (Vitter's algorithm R) keeps a uniform sample of
 * at most `capacity` values, from which percentiles are read. Exact while fewer values were added.
 */
export class LatencyReservoir {
  private readonly samples: number[] = [];
  count = 0;
  max = 0;
  sum = 0;

  constructor(private readonly capacity = 100_000, private readonly random: () => number = Math.random) {}

  add(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else {
      const j = Math.floor(this.random() * this.count);
      if (j < this.capacity) this.samples[j] = ms;
    }
  }

  /** The p-th percentile (0–100) by nearest rank; 0 when empty. */
  percentile(p: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1]!;
  }

  percentiles(ps: readonly number[]): number[] {
    if (this.samples.length === 0) return ps.map(() => 0);
    const sorted = [...this.samples].sort((a, b) => a - b);
    return ps.map((p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!);
  }

  reset(): void {
    this.samples.length = 0;
    this.count = 0;
    this.max = 0;
    this.sum = 0;
  }
}
