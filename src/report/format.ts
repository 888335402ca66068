/**
 * How figures read in the terminal table and in the HTML page alike: milliseconds, bytes, rates,
 * and one cell per comparison column. A missing figure is "—"; a figure that could not be measured
 * because the traffic failed says so.
 */
import type { PathClass } from '../topology/scenario-types.js';
import type { ModeRow } from './summary.js';

export const NONE = '—';

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return NONE;
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  return `${Math.round(v)} ms`;
}

/** Latencies: three significant digits, in ms. */
export function fmtLatency(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function fmtBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export function fmtRatio(v: number | null | undefined): string {
  return v === null || v === undefined ? NONE : v.toFixed(3);
}

export function overheadCell(r: ModeRow, path: 'cross-node' | 'cross-subnet'): string {
  const w = r.overhead[path];
  const theory = r.theoryOverhead[path];
  const t = theory === null ? '' : ` (${theory})`;
  if (w === null) return r.latency[path] === 'unreachable' ? `unreachable${t}` : `${NONE}${t}`;
  return `${w.overhead} B ${w.encapsulation}${t}`;
}

export function mtuCell(r: ModeRow): string {
  const t = r.theoryPodMtu === null ? '' : ` (${r.theoryPodMtu})`;
  return `${r.podMtu ?? NONE}${t}`;
}

export function latencyCell(r: ModeRow, path: PathClass): string {
  const l = r.latency[path];
  if (l === null) return NONE;
  if (l === 'unreachable') return 'unreachable';
  return `${fmtLatency(l.p50)} / ${fmtLatency(l.p99)}`;
}

export function goodputCell(r: ModeRow): string {
  const g = r.goodput;
  if (g === null) return NONE;
  if (g.steadyMbps === null) return g.error ? 'failed' : NONE;
  return `${g.steadyMbps.toFixed(2)}${g.theoryMbps === null ? '' : ` (${g.theoryMbps.toFixed(2)})`}`;
}

export function ratioCell(r: ModeRow): string {
  const g = r.goodput;
  if (g === null || g.ratio === null) return NONE;
  return `${fmtRatio(g.ratio)} (${fmtRatio(g.theoryRatio)})`;
}

export function reachCell(r: ModeRow): string {
  const x = r.reachability;
  if (x === null) return NONE;
  if (x.ok === x.total) return `${x.ok}/${x.total}`;
  const failing = [...new Set(x.cells.filter((c) => !c.ok).map((c) => c.path ?? '?'))];
  return `${x.ok}/${x.total} (${failing.join(', ')} fail)`;
}

/** The first reason a pair failed; `max` shortens it for a terminal (the JSON and HTML keep it whole). */
export function firstFailure(r: ModeRow, max = Infinity): string {
  const c = r.reachability?.cells.find((x) => !x.ok);
  if (c === undefined) return '';
  const text = `${c.from.node} → ${c.to.node}: ${c.reason}`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function dnsCell(r: ModeRow): string {
  if (r.dns === null) return NONE;
  return `${r.dns.succeeded}/${r.dns.lookups}${r.dns.p50 === null ? '' : ` (${fmtLatency(r.dns.p50)} ms)`}`;
}

export function stopCells(r: ModeRow): [string, string, string, string] {
  const s = r.nodeStop;
  if (s === null) return [NONE, NONE, NONE, NONE];
  const never = `not in ${fmtMs(s.observedMs)}`;
  return [
    s.endpointsOnNode === 0 ? 'n/a' : s.endpointsUpdatedMs === null ? never : fmtMs(s.endpointsUpdatedMs),
    s.routesToNode === 0 ? 'n/a' : s.routesWithdrawnMs === null ? never : fmtMs(s.routesWithdrawnMs),
    s.requestsDuring === null ? NONE : s.trafficRestoredMs === null ? 'not restored' : fmtMs(s.trafficRestoredMs),
    s.requestsLost === null ? NONE : `${s.requestsLost}/${s.requestsDuring}`,
  ];
}

export function nodePortCell(r: ModeRow): string {
  const n = r.nodePort;
  if (n === null) return NONE;
  return `${n.succeeded}/${n.requests}`;
}

export function spreadCell(r: ModeRow): string {
  const s = r.nodePort?.spread;
  if (!s) return NONE;
  const counts = s.expected.map((e) => s.hits[e] ?? 0);
  return `${counts.filter((c) => c > 0).length}/${s.expected.length} (${counts.join('/')})`;
}

export function setupCells(r: ModeRow): [string, string, string] {
  const s = r.setup;
  if (s === null) return [NONE, NONE, NONE];
  const ready = s.networkReadyMs !== null ? fmtMs(s.networkReadyMs) : 'never';
  const api = `${s.apiEvents} ev, ${fmtBytes(s.apiBytes)}`;
  const bgp = s.bgpMessages > 0 ? `${s.bgpMessages} msg, ${fmtBytes(s.bgpBytes)}` : 'n/a';
  return [ready, api, bgp];
}

export function statusCell(r: ModeRow): string {
  if (r.status === 'error') return 'error';
  const asserts = r.asserts.total ? `${r.asserts.passed}/${r.asserts.total} asserts` : 'no asserts';
  return r.status === 'not built' ? `not built; ${asserts}` : asserts;
}
