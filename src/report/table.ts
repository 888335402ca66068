/**
 * The terminal report: plain aligned tables, one per question a comparison answers (what each
 * mode costs per packet and in kernel state, what setting it up took, how fast and how far it
 * carries traffic, what a node failure does to it, how NodePorts spread). Theory in parentheses.
 * Also `kemu run`'s step table.
 */
import type { RunResult } from '../scenario/types.js';
import {
  NONE, fmtBytes, fmtMs, goodputCell, latencyCell, mtuCell, nodePortCell, overheadCell, ratioCell, reachCell, setupCells,
  spreadCell, statusCell, stopCells, firstFailure, dnsCell,
} from './format.js';
import type { CompareReport, ModeRow } from './summary.js';

/**
 * Columns padded to their widest cell. A column whose cells all start with a digit (or are "—",
 * "n/a") holds numbers: it is right-aligned, header included.
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^(\d|—$|n\/a$)/.test(r[i] ?? '')));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Section {
  title: string;
  headers: string[];
  /** `whole`: long texts in full (HTML); the terminal shortens them. */
  cells: (r: ModeRow, whole?: boolean) => string[];
}

export const SECTIONS: Section[] = [
  {
    title: 'Data plane (theory in parentheses)',
    headers: ['mode', 'pod MTU', 'overhead cross-node', 'overhead cross-subnet', 'routes/node', 'neigh/node', 'fdb/node', 'nat rules/node', 'tunnel devices'],
    cells: (r) => [
      r.label, mtuCell(r), overheadCell(r, 'cross-node'), overheadCell(r, 'cross-subnet'),
      ...(r.perNode ? [String(r.perNode.routes), String(r.perNode.neighbours), String(r.perNode.fdb), String(r.perNode.natRules)] : [NONE, NONE, NONE, NONE]),
      r.tunnels.join(', ') || 'none',
    ],
  },
  {
    title: 'Setup: up → network ready, and the control-plane traffic it took (per CNI agent\'s Node watch; BGP on the wire, all nodes)',
    headers: ['mode', 'network ready', 'API watch (per agent)', 'BGP setup', 'BGP keepalives/s'],
    cells: (r) => [r.label, ...setupCells(r), r.setup?.bgpKeepalivesPerSecond == null ? 'n/a' : String(r.setup.bgpKeepalivesPerSecond)],
  },
  {
    title: 'Traffic: pod → pod ping rtt p50 / p99 (ms), TCP goodput (Mbit/s, theory) and its ratio to the baseline',
    headers: ['mode', 'same-node', 'cross-node', 'cross-subnet', 'goodput', 'ratio', 'frames/transfer', 'retransmits'],
    cells: (r) => [
      r.label, latencyCell(r, 'same-node'), latencyCell(r, 'cross-node'), latencyCell(r, 'cross-subnet'), goodputCell(r), ratioCell(r),
      r.goodput?.packets == null ? NONE : String(r.goodput.packets), r.goodput ? String(r.goodput.retransmits) : NONE,
    ],
  },
  {
    title: 'Reachability (pod pairs) and DNS',
    headers: ['mode', 'pairs', 'dns', 'first failure'],
    cells: (r, whole) => [r.label, reachCell(r), dnsCell(r), firstFailure(r, whole ? Infinity : 110)],
  },
  {
    title: 'Node stop: time until endpoints updated / routes withdrawn / traffic restored, requests lost',
    headers: ['mode', 'endpoints', 'routes', 'traffic', 'lost'],
    cells: (r) => [r.label, ...stopCells(r)],
  },
  {
    title: 'NodePort: requests answered and spread over endpoints (hits per endpoint)',
    headers: ['mode', 'answered', 'endpoints hit', 'status'],
    cells: (r) => [r.label, nodePortCell(r), spreadCell(r), statusCell(r)],
  },
];

export function renderCompareTable(report: CompareReport): string {
  const link = report.link;
  const head = [
    `kemu compare ${report.file}: ${report.rows.length} runs in ${fmtMs(report.durationMs)}; links ${link.rateMbps === null ? 'unlimited' : `${link.rateMbps} Mbit/s`}, MTU ${link.mtu}` +
      `${report.baseline ? `; goodput ratios against ${report.baseline}` : ''}`,
  ];
  const body = SECTIONS.map((s) => `${s.title}\n${renderTable(s.headers, report.rows.map((r) => s.cells(r)))}`);
  const notes = report.rows.flatMap((r) => r.notes.map((n) => `  ${r.label}: ${n}`));
  return [...head, '', body.join('\n\n'), ...(notes.length ? ['', 'Notes', ...notes] : [])].join('\n') + '\n';
}

/** `kemu run`'s results: one line per step, then the setup figures and the verdict. */
export function renderRunTable(r: RunResult): string {
  const rows = r.steps.map((s) => [String(s.index + 1), s.step, s.label, s.status.toUpperCase(), fmtMs(s.durationMs), s.summary]);
  const out = [`kemu run ${r.file} (${r.mode}, kube-proxy ${r.proxyMode})`, '', renderTable(['#', 'step', 'name', 'status', 'time', 'result'], rows)];
  if (r.setup) {
    const s = r.setup;
    out.push('', `setup: up in ${fmtMs(s.upMs)}, network ready ${s.networkReadyMs === null ? 'never' : `at ${fmtMs(s.networkReadyMs)}`}; ` +
      `a CNI agent's Node watch got ${s.apiWatch.setup.events} events (${fmtBytes(s.apiWatch.setup.bytes)}) during setup` +
      `${s.bgp.total.messages > 0 ? `; BGP ${s.bgp.setup.setupMessages} messages (${fmtBytes(s.bgp.setup.setupBytes)})` : ''}`);
  }
  for (const n of r.notBuilt) out.push(`note: ${n} is not built yet`);
  if (r.error) out.push(`error: ${r.error}`);
  out.push(`asserts: ${r.asserts.passed}/${r.asserts.total} passed${r.asserts.failed ? ` — ${r.asserts.failed} FAILED` : ''}`);
  return out.join('\n') + '\n';
}
