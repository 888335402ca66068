/**
 * Inline SVG for the HTML report, drawn as text with no library and no script: horizontal bar
 * charts (grouped series, theory marks, a reference line), stacked bars, a reachability grid and
 * the topology (subnets as buses, nodes on them, routers joining them). Every mark carries a
 * <title>, which browsers show on hover.
 */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const n2 = (x: number) => (Math.round(x * 100) / 100).toString();
export const PALETTE = ['#3b6fb6', '#e08a2c', '#4a9d5b', '#b8474a', '#7b62a8', '#8c6d46', '#c7609f', '#6f7782'];

export interface BarSeries {
  name: string;
  values: (number | null)[];
  /** What to print after each bar (default: the value and unit); also shown for null values. */
  labels?: (string | null)[];
  /** Where theory puts each value: a dark tick across the bar. */
  theory?: (number | null)[];
}

export interface BarChartSpec {
  id: string;
  title: string;
  unit: string;
  categories: string[];
  series: BarSeries[];
  /** A vertical line, e.g. the link rate. */
  reference?: { value: number; label: string };
}

const LEFT = 190;

function labelOf(s: BarSeries, i: number, unit: string): string {
  const v = s.values[i] ?? null;
  return s.labels?.[i] ?? (v === null ? 'n/a' : `${n2(v)}${unit ? ` ${unit}` : ''}`);
}
const WIDTH = 760;
const BAR = 14;

export function barChart(spec: BarChartSpec): string {
  const k = spec.series.length;
  const groupH = k * (BAR + 3) + 12;
  const legendH = k > 1 ? 22 : 0;
  const height = 34 + legendH + spec.categories.length * groupH + 18;
  const values = spec.series.flatMap((s) => [...s.values, ...(s.theory ?? [])]).filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(...values, spec.reference?.value ?? 0, 1e-9) * 1.05;
  // Room after the longest bar for the longest label (≈ 6.6 px a character at 12 px).
  const longest = Math.max(8, ...spec.series.flatMap((s) => spec.categories.map((_, i) => labelOf(s, i, spec.unit).length)));
  const plotW = Math.max(200, WIDTH - LEFT - Math.min(330, longest * 6.6) - 16);
  const x = (v: number) => LEFT + (Math.max(0, v) / max) * plotW;
  const out: string[] = [`<svg class="chart" id="${esc(spec.id)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(spec.title)}">`];
  out.push(`<text class="chart-title" x="8" y="20">${esc(spec.title)}</text>`);
  if (k > 1) {
    spec.series.forEach((s, i) => {
      const lx = LEFT + i * 150;
      out.push(`<rect x="${lx}" y="30" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text class="legend" x="${lx + 16}" y="40">${esc(s.name)}</text>`);
    });
  }
  const top = 34 + legendH;
  spec.categories.forEach((cat, ci) => {
    const gy = top + ci * groupH;
    out.push(`<text class="cat" x="${LEFT - 8}" y="${n2(gy + (k * (BAR + 3)) / 2 + 4)}" text-anchor="end">${esc(cat)}</text>`);
    spec.series.forEach((s, si) => {
      const y = gy + si * (BAR + 3);
      const v = s.values[ci] ?? null;
      const full = labelOf(s, ci, spec.unit);
      const label = full.length > 50 ? `${full.slice(0, 49)}…` : full;
      const color = PALETTE[si % PALETTE.length];
      if (v !== null && Number.isFinite(v)) {
        const w = Math.max(1, x(v) - LEFT);
        out.push(`<rect class="bar" x="${LEFT}" y="${y}" width="${n2(w)}" height="${BAR}" fill="${color}"><title>${esc(`${cat} — ${s.name}: ${full}`)}</title></rect>`);
        out.push(`<text class="val" x="${n2(LEFT + w + 6)}" y="${y + BAR - 3}">${esc(label)}</text>`);
      } else {
        out.push(`<text class="val na" x="${LEFT + 4}" y="${y + BAR - 3}">${esc(label)}<title>${esc(full)}</title></text>`);
      }
      const t = s.theory?.[ci];
      if (t !== null && t !== undefined && Number.isFinite(t)) {
        out.push(`<line class="theory" x1="${n2(x(t))}" x2="${n2(x(t))}" y1="${y - 2}" y2="${y + BAR + 2}"><title>${esc(`theory: ${n2(t)} ${spec.unit}`)}</title></line>`);
      }
    });
  });
  if (spec.reference) {
    const rx = n2(x(spec.reference.value));
    out.push(`<line class="ref" x1="${rx}" x2="${rx}" y1="${top - 4}" y2="${height - 16}"/><text class="ref-label" x="${rx}" y="${height - 4}" text-anchor="middle">${esc(spec.reference.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('');
}

export interface StackedRow {
  category: string;
  parts: { name: string; value: number; color: string }[];
}

/** One stacked bar per category, each part labelled; widths are shares of the row's total. */
export function stackedChart(id: string, title: string, rows: StackedRow[]): string {
  const height = 34 + rows.length * 24 + 10;
  const plotW = WIDTH - LEFT - 20;
  const out: string[] = [`<svg class="chart" id="${esc(id)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(title)}">`];
  out.push(`<text class="chart-title" x="8" y="20">${esc(title)}</text>`);
  rows.forEach((r, i) => {
    const y = 34 + i * 24;
    out.push(`<text class="cat" x="${LEFT - 8}" y="${y + 13}" text-anchor="end">${esc(r.category)}</text>`);
    const total = r.parts.reduce((s, p) => s + p.value, 0);
    if (total === 0) {
      out.push(`<text class="val na" x="${LEFT + 4}" y="${y + 13}">no requests</text>`);
      return;
    }
    let at = LEFT;
    for (const p of r.parts) {
      if (p.value <= 0) continue;
      const w = (p.value / total) * plotW;
      out.push(`<rect class="bar" x="${n2(at)}" y="${y}" width="${n2(Math.max(1, w))}" height="18" fill="${p.color}"><title>${esc(`${r.category} — ${p.name}: ${p.value}`)}</title></rect>`);
      if (w > 28) out.push(`<text class="inbar" x="${n2(at + w / 2)}" y="${y + 13}" text-anchor="middle">${p.value}</text>`);
      at += w;
    }
  });
  out.push('</svg>');
  return out.join('');
}

export interface GridCell {
  ok: boolean | null;
  title: string;
}

/** A from × to grid: green reachable, red not, grey the diagonal. */
export function gridChart(id: string, title: string, names: string[], cells: GridCell[][]): string {
  const c = 26;
  const left = 110;
  const top = 110;
  const size = names.length * c;
  const width = Math.max(left + size + 70, title.length * 7 + 10);
  const out: string[] = [`<svg class="chart grid" id="${esc(id)}" viewBox="0 0 ${width} ${top + size + 10}" width="${width}" height="${top + size + 10}" role="img" aria-label="${esc(title)}">`];
  out.push(`<text class="chart-title" x="4" y="16">${esc(title)}</text>`);
  names.forEach((name, i) => {
    out.push(`<text class="cat" x="${left - 6}" y="${top + i * c + 17}" text-anchor="end">${esc(name)}</text>`);
    out.push(`<text class="cat" transform="translate(${left + i * c + 17},${top - 6}) rotate(-60)">${esc(name)}</text>`);
  });
  cells.forEach((row, i) => row.forEach((cell, j) => {
    const fill = cell.ok === null ? '#d9dce1' : cell.ok ? '#4a9d5b' : '#c84a4a';
    out.push(`<rect class="bar cell" x="${left + j * c}" y="${top + i * c}" width="${c - 2}" height="${c - 2}" fill="${fill}"><title>${esc(cell.title)}</title></rect>`);
  }));
  out.push('</svg>');
  return out.join('');
}

export interface DrawingInput {
  subnets: { name: string; cidr: string }[];
  routers: { name: string; subnets: string[] }[];
  nodes: { name: string; role: string; subnet: string; address: string }[];
  linkText: string;
}

/** Subnets as horizontal buses, nodes standing on them, routers at the right joining theirs. */
export function topologyDrawing(d: DrawingInput): string {
  const boxW = 150;
  const gap = 20;
  const perSubnet = d.subnets.map((s) => d.nodes.filter((n) => n.subnet === s.name));
  const width = Math.max(600, 40 + Math.max(1, ...perSubnet.map((n) => n.length)) * (boxW + gap) + 200);
  const rowH = 130;
  const height = 30 + d.subnets.length * rowH + 20;
  const busY = (i: number) => 30 + i * rowH + 90;
  const out: string[] = [`<svg class="topology" id="topology-drawing" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="topology">`];
  out.push(`<text class="chart-title" x="8" y="18">${esc(d.linkText)}</text>`);
  d.subnets.forEach((s, i) => {
    const y = busY(i);
    out.push(`<line class="bus" x1="20" x2="${width - 170}" y1="${y}" y2="${y}"/><text class="bus-label" x="20" y="${y + 18}">${esc(`${s.name} ${s.cidr}`)}</text>`);
    perSubnet[i]!.forEach((n, j) => {
      const x = 40 + j * (boxW + gap);
      out.push(`<line class="drop" x1="${x + boxW / 2}" x2="${x + boxW / 2}" y1="${y - 24}" y2="${y}"/>`);
      out.push(`<rect class="node ${n.role === 'control-plane' ? 'cp' : 'worker'}" x="${x}" y="${y - 70}" width="${boxW}" height="46" rx="6"><title>${esc(`${n.name} (${n.role}) ${n.address}`)}</title></rect>`);
      out.push(`<text class="node-name" x="${x + boxW / 2}" y="${y - 50}" text-anchor="middle">${esc(n.name)}</text>`);
      out.push(`<text class="node-addr" x="${x + boxW / 2}" y="${y - 33}" text-anchor="middle">${esc(n.address)}</text>`);
    });
  });
  d.routers.forEach((r, k) => {
    const idx = r.subnets.map((s) => d.subnets.findIndex((x) => x.name === s)).filter((i) => i >= 0);
    if (idx.length === 0) return;
    const x = width - 120 + k * 40;
    const ys = idx.map(busY);
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    for (const y of ys) out.push(`<line class="uplink" x1="${x}" x2="${x}" y1="${y}" y2="${cy}"/><line class="bus" x1="${width - 170}" x2="${x}" y1="${y}" y2="${y}"/>`);
    out.push(`<circle class="router" cx="${x}" cy="${cy}" r="18"><title>${esc(`router ${r.name}: ${r.subnets.join(', ')}`)}</title></circle>`);
    out.push(`<text class="router-name" x="${x}" y="${cy + 4}" text-anchor="middle">${esc(r.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
