/**
 * `kemu compare --html FILE`: one self-contained page (inline CSS and SVG, no script, no external
 * URL), so it opens anywhere without a network: the topology drawn, the same tables as the
 * terminal, and a chart per question — overhead and MTU, goodput against theory and the link,
 * latency by path, setup time and control-plane bytes, node-stop timings, NodePort spread, and a
 * reachability grid per mode with the reason of every failing pair on hover.
 */
import type { PathClass } from '../topology/scenario-types.js';
import { fmtBytes, fmtMs } from './format.js';
import { type BarSeries, PALETTE, barChart, esc, gridChart, stackedChart, topologyDrawing } from './svg.js';
import type { CompareReport, ModeRow } from './summary.js';
import { SECTIONS } from './table.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;color:#1d2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
.meta{color:#5a6475}table{border-collapse:collapse;margin:6px 0 18px;font-size:13px}
th,td{border:1px solid #d5d9e0;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f1f3f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:4px 0}
.charts{display:flex;flex-wrap:wrap;gap:18px}.grids{display:flex;flex-wrap:wrap;gap:14px}
svg text{font:12px system-ui,sans-serif;fill:#1d2430}svg .chart-title{font-weight:600;font-size:13px}
svg .val{fill:#39414f}svg .na{fill:#8a93a3;font-style:italic}svg .inbar{fill:#fff;font-size:11px}
svg .theory{stroke:#111;stroke-width:2}svg .ref{stroke:#b8474a;stroke-dasharray:4 3}svg .ref-label{fill:#b8474a}
svg .bus{stroke:#5a6475;stroke-width:3}svg .drop,svg .uplink{stroke:#5a6475;stroke-width:1.5}
svg .node{fill:#e8eef8;stroke:#3b6fb6}svg .node.cp{fill:#f6ecdf;stroke:#e08a2c}svg .node-name{font-weight:600}
svg .router{fill:#eef6ef;stroke:#4a9d5b;stroke-width:2}svg .router-name{font-size:11px}
.status-ok{color:#2f7d43}.status-bad{color:#b8474a}.notes li{margin:2px 0}
`;

function table(title: string, headers: string[], rows: string[][]): string {
  const cell = (c: string, i: number) => `<td${i > 0 && /^\d/.test(c) ? ' class="num"' : ''}>${esc(c)}</td>`;
  return `<table><caption>${esc(title)}</caption><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

const latencyValue = (r: ModeRow, p: PathClass, which: 'p50' | 'p99'): number | null => {
  const l = r.latency[p];
  return l === null || l === 'unreachable' ? null : l[which];
};
const latencyLabel = (r: ModeRow, p: PathClass, which: 'p50' | 'p99'): string | null => {
  const l = r.latency[p];
  return l === null ? 'not measured' : l === 'unreachable' ? 'unreachable' : null;
};

function charts(report: CompareReport): string[] {
  const rows = report.rows;
  const cats = rows.map((r) => r.label);
  const out: string[] = [];
  const overheadSeries = (path: 'cross-node' | 'cross-subnet'): BarSeries => ({
    name: path,
    values: rows.map((r) => r.overhead[path]?.overhead ?? null),
    labels: rows.map((r) => {
      const w = r.overhead[path];
      return w ? `${w.overhead} B (${w.encapsulation})` : r.latency[path] === 'unreachable' ? 'unreachable' : 'not measured';
    }),
    theory: rows.map((r) => r.theoryOverhead[path]),
  });
  out.push(barChart({ id: 'chart-overhead', title: 'Per-packet overhead on the wire (bytes; black tick: theory)', unit: 'B', categories: cats, series: [overheadSeries('cross-node'), overheadSeries('cross-subnet')] }));
  out.push(barChart({
    id: 'chart-mtu', title: 'Pod MTU (black tick: theory)', unit: '', categories: cats,
    series: [{ name: 'pod MTU', values: rows.map((r) => r.podMtu), theory: rows.map((r) => r.theoryPodMtu) }],
  }));
  out.push(barChart({
    id: 'chart-goodput', title: 'TCP goodput, steady (Mbit/s; black tick: theory; dashed: link rate)', unit: 'Mbit/s', categories: cats,
    series: [{
      name: 'goodput', values: rows.map((r) => r.goodput?.steadyMbps ?? null), theory: rows.map((r) => r.goodput?.theoryMbps ?? null),
      labels: rows.map((r) => (r.goodput?.steadyMbps == null ? (r.goodput?.error ? 'transfer failed' : 'not measured')
        : `${r.goodput.steadyMbps.toFixed(2)} Mbit/s${r.goodput.ratio === null ? '' : `, ratio ${r.goodput.ratio.toFixed(3)} (theory ${r.goodput.theoryRatio?.toFixed(3) ?? '—'})`}`)),
    }],
    ...(report.link.rateMbps === null ? {} : { reference: { value: report.link.rateMbps, label: `link ${report.link.rateMbps} Mbit/s` } }),
  }));
  const paths: PathClass[] = ['same-node', 'cross-node', 'cross-subnet'];
  for (const which of ['p50', 'p99'] as const) {
    out.push(barChart({
      id: `chart-latency-${which}`, title: `Pod → pod ping rtt ${which} (ms)`, unit: 'ms', categories: cats,
      series: paths.map((p) => ({ name: p, values: rows.map((r) => latencyValue(r, p, which)), labels: rows.map((r) => latencyLabel(r, p, which)) })),
    }));
  }
  out.push(barChart({
    id: 'chart-setup', title: 'Time from up to network ready (ms)', unit: 'ms', categories: cats,
    series: [{ name: 'network ready', values: rows.map((r) => r.setup?.networkReadyMs ?? null), labels: rows.map((r) => (r.setup?.networkReadyMs == null ? `never: ${r.setup?.notReadyBecause ?? 'no setup measured'}` : null)) }],
  }));
  out.push(barChart({
    id: 'chart-control', title: 'Control-plane traffic to set the network up (bytes)', unit: 'B', categories: cats,
    series: [
      { name: 'API watch, per agent', values: rows.map((r) => r.setup?.apiBytes ?? null), labels: rows.map((r) => (r.setup ? `${fmtBytes(r.setup.apiBytes)} in ${r.setup.apiEvents} events` : null)) },
      { name: 'BGP, all nodes', values: rows.map((r) => (r.setup && r.setup.bgpMessages > 0 ? r.setup.bgpBytes : null)), labels: rows.map((r) => (r.setup && r.setup.bgpMessages > 0 ? `${fmtBytes(r.setup.bgpBytes)} in ${r.setup.bgpMessages} messages` : 'no BGP')) },
    ],
  }));
  const stop = (f: (r: ModeRow) => number | null, none: (r: ModeRow) => string) => ({
    values: rows.map((r) => (r.nodeStop ? f(r) : null)),
    labels: rows.map((r) => (r.nodeStop === null ? 'not measured' : f(r) === null ? none(r) : `${fmtMs(f(r))}`)),
  });
  out.push(barChart({
    id: 'chart-node-stop', title: 'After a node stop: time until… (ms)', unit: 'ms', categories: cats,
    series: [
      { name: 'endpoints updated', ...stop((r) => r.nodeStop!.endpointsUpdatedMs, (r) => (r.nodeStop!.endpointsOnNode === 0 ? 'n/a' : 'not updated')) },
      { name: 'routes withdrawn', ...stop((r) => r.nodeStop!.routesWithdrawnMs, (r) => (r.nodeStop!.routesToNode === 0 ? 'n/a' : `not withdrawn in ${fmtMs(r.nodeStop!.observedMs)}`)) },
      { name: 'traffic restored', ...stop((r) => r.nodeStop!.trafficRestoredMs, () => 'not restored') },
    ],
  }));
  out.push(barChart({
    id: 'chart-lost', title: 'Requests lost after the node stop', unit: 'requests', categories: cats,
    series: [{ name: 'lost', values: rows.map((r) => r.nodeStop?.requestsLost ?? null), labels: rows.map((r) => (r.nodeStop?.requestsLost == null ? 'not measured' : `${r.nodeStop.requestsLost} of ${r.nodeStop.requestsDuring}`)) }],
  }));
  out.push(stackedChart('chart-nodeport', 'NodePort requests: answers per endpoint, and failures (grey)', rows.map((r) => {
    const n = r.nodePort;
    const parts = (n?.spread?.expected ?? []).map((e, i) => ({ name: e, value: n!.spread!.hits[e] ?? 0, color: PALETTE[i % PALETTE.length]! }));
    const other = n?.spread ? Object.entries(n.spread.hits).filter(([k]) => !n.spread!.expected.includes(k)) : n ? [['answered', n.succeeded] as [string, number]] : [];
    for (const [k, v] of other) parts.push({ name: k, value: v, color: '#9aa5b5' });
    if (n) parts.push({ name: 'failed', value: n.requests - n.succeeded, color: '#c9cdd4' });
    return { category: r.label, parts };
  })));
  return out;
}

function grids(report: CompareReport): string[] {
  return report.rows.flatMap((r, k) => {
    const x = r.reachability;
    if (x === null || x.pods.length < 2) return [];
    const names = x.pods.map((p) => `${p.node ?? '?'}`);
    const cells = x.pods.map((a, i) => x.pods.map((b, j) => {
      if (i === j) return { ok: null, title: `${a.name}` };
      const c = x.cells.find((cell) => cell.from.ip === a.ip && cell.to.ip === b.ip);
      return c === undefined ? { ok: null, title: 'not probed' } : { ok: c.ok, title: `${a.node} → ${b.node} (${c.path ?? '?'}): ${c.ok ? `ok, ${c.rttMs ?? '?'} ms` : c.reason}` };
    }));
    return [gridChart(`grid-${k}`, `${r.label}: ${x.ok}/${x.total} pairs`, names, cells)];
  });
}

export function renderHtml(report: CompareReport): string {
  const link = report.link;
  const linkText = `links ${link.rateMbps === null ? 'unlimited' : `${link.rateMbps} Mbit/s`}, MTU ${link.mtu}${link.delayMs ? `, delay ${link.delayMs} ms` : ''}`;
  const tables = SECTIONS.map((s) => table(s.title, s.headers, report.rows.map((r) => s.cells(r, true))));
  const notes = report.rows.flatMap((r) => r.notes.map((n) => `<li><b>${esc(r.label)}</b>: ${esc(n)}</li>`));
  const status = report.rows.map((r) => `<li><b>${esc(r.label)}</b> <span class="${r.asserts.failed === 0 && r.status === 'ok' ? 'status-ok' : 'status-bad'}">${esc(r.status)}</span>, ` +
    `asserts ${r.asserts.passed}/${r.asserts.total}, ${esc(fmtMs(r.durationMs))}</li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`kemu compare — ${report.topology}`)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(`kemu compare — ${report.topology}`)}</h1>
<p class="meta">${esc(`${report.file} · ${report.rows.length} runs · ${fmtMs(report.durationMs)} · ${report.generatedAt} · ${linkText}`)}` +
    `${report.baseline ? esc(` · goodput ratios against ${report.baseline}`) : ''}</p></header>
<section id="topology"><h2>Topology</h2>${topologyDrawing({ ...report.drawing, linkText })}</section>
<section id="runs"><h2>Runs</h2><ul>${status.join('')}</ul></section>
<section id="charts"><h2>Charts</h2><div class="charts">${charts(report).join('\n')}</div></section>
<section id="reachability"><h2>Reachability (hover a red cell for why)</h2><div class="grids">${grids(report).join('\n')}</div></section>
<section id="tables"><h2>Tables (theory in parentheses)</h2>${tables.join('\n')}</section>
${notes.length ? `<section id="notes"><h2>Notes</h2><ul class="notes">${notes.join('')}</ul></section>` : ''}
</body></html>
`;
}
