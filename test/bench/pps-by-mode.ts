/**
 * Pod→pod packets/s of several network modes beside raw dgram, in one run: a warm-up of every path,
 * then three interleaved rounds (every path sees the same machine load), medians, a printed table
 * and per-mode details for BenchResult. Used by the flannel and calico benchmarks.
 */
import { type Path, measure, rawPath } from './vxlan-pps.bench.js';

export interface ModeComparison {
  pass: boolean;
  details: Record<string, string | number>;
}

export async function comparePps<M extends string>(
  modes: readonly M[], pathFor: (mode: M) => Promise<Path>, goals: Record<M, number>, label: string,
): Promise<ModeComparison> {
  await measure(rawPath); // warm-up
  for (const m of modes) await measure(() => pathFor(m));
  const raws: number[] = [];
  const rawRtts: number[] = [];
  const pps: Partial<Record<M, number[]>> = {};
  const rtts: Partial<Record<M, number[]>> = {};
  for (let i = 0; i < 3; i++) {
    const raw = await measure(rawPath);
    raws.push(raw.pps);
    rawRtts.push(raw.rttMs);
    for (const m of modes) {
      const r = await measure(() => pathFor(m));
      (pps[m] ??= []).push(r.pps);
      (rtts[m] ??= []).push(r.rttMs);
    }
  }
  const mid = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
  const rawPps = mid(raws);
  const rawRtt = mid(rawRtts);
  const details: Record<string, string | number> = { raw_pps: Math.round(rawPps), raw_rtt_us: rawRtt * 1000 };
  const width = Math.max(label.length, ...modes.map((m) => m.length));
  const lines = [`  ${label.padEnd(width)}  pod→pod pps  ÷ raw   rtt µs  ÷ raw   (raw: ${Math.round(rawPps)} pps, ${(rawRtt * 1000).toFixed(1)} µs)`];
  let pass = true;
  for (const m of modes) {
    const p = mid(pps[m]!);
    const ratio = p / rawPps;
    pass &&= ratio >= goals[m];
    details[`${m}_ratio`] = ratio;
    details[`${m}_pps`] = Math.round(p);
    lines.push(`  ${m.padEnd(width)}  ${String(Math.round(p)).padStart(11)}  ${ratio.toFixed(3)}  ${(mid(rtts[m]!) * 1000).toFixed(1).padStart(7)}  ${(mid(rtts[m]!) / rawRtt).toFixed(3)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return { pass, details };
}
