/** Tiny benchmark harness: medians of repeated runs, and ratios against a baseline from the same run. */
export interface BenchResult {
  name: string;
  /** What the ratio means, e.g. "kemu/raw throughput". */
  ratioLabel: string;
  ratio: number;
  goal: string;
  /** null: no goal, the figures are reported only. */
  pass: boolean | null;
  details: Record<string, string | number>;
  /** Why the benchmark could not run here (a missing tool); it is then reported, not failed. */
  skipped?: string;
}

export async function median(runs: number, fn: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await fn());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

export function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function report(r: BenchResult): void {
  if (r.skipped !== undefined) {
    process.stdout.write(`SKIP ${r.name}: ${r.skipped}\n`);
    return;
  }
  const details = Object.entries(r.details)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
    .join(' ');
  const verdict = r.pass === null ? 'INFO' : r.pass ? 'PASS' : 'MISS';
  process.stdout.write(`${verdict} ${r.name}: ${r.ratioLabel} = ${r.ratio.toFixed(3)} (goal ${r.goal}) ${details}\n`);
}
