/**
 * From runs to the comparison: each RunResult distilled into one row of figures (the first step of
 * each kind that measures a figure fills it), the goodput ratios against a baseline mode without
 * encapsulation, theory next to each measured figure, and the topology for drawing. Pure: the
 * table, JSON and HTML outputs are all built from this report.
 */
import type { PathClass } from '../topology/scenario-types.js';
import type { Topology } from '../topology/types.js';
import type {
  EndpointSpread, HttpData, NodeStopData, PingData, ReachabilityCell, RunResult, StepResult, TcpData, WireOverhead,
} from '../scenario/types.js';
import { payloadShare, theoryOverhead, theoryPodMtu } from './theory.js';

export const PATHS: readonly PathClass[] = ['same-node', 'cross-node', 'cross-subnet'];

export type Latency = { p50: number; p99: number } | 'unreachable' | null;

export interface ModeRow {
  label: string;
  mode: string;
  proxyMode: string;
  status: 'ok' | 'not built' | 'error';
  notes: string[];
  podMtu: number | null;
  theoryPodMtu: number | null;
  /** Measured on the wire for cross-node and cross-subnet pings that were answered. */
  overhead: Record<'cross-node' | 'cross-subnet', WireOverhead | null>;
  theoryOverhead: Record<'cross-node' | 'cross-subnet', number | null>;
  /** Averages over nodes. */
  perNode: { routes: number; neighbours: number; fdb: number; natRules: number } | null;
  tunnels: string[];
  setup: {
    networkReadyMs: number | null;
    cniReadyMs: number | null;
    bgpConvergedMs: number | null;
    notReadyBecause: string | null;
    apiEvents: number;
    apiBytes: number;
    agents: number;
    bgpMessages: number;
    bgpBytes: number;
    bgpKeepalivesPerSecond: number | null;
  } | null;
  latency: Record<PathClass, Latency>;
  goodput: {
    path: PathClass | null;
    mbps: number | null;
    steadyMbps: number | null;
    linkMbps: number | null;
    bytes: number;
    packets: number | null;
    retransmits: number;
    /** steady goodput ÷ the baseline's; theory: payload share ÷ the baseline's. */
    ratio: number | null;
    theoryRatio: number | null;
    /** Payload share of the link (theory) × link rate. */
    theoryMbps: number | null;
    error: string | null;
  } | null;
  reachability: { ok: number; total: number; cells: ReachabilityCell[]; pods: { name: string; node: string | null; ip: string }[] } | null;
  dns: { succeeded: number; lookups: number; p50: number | null; error: string | null } | null;
  nodeStop: NodeStopData | null;
  nodePort: { target: string; succeeded: number; requests: number; spread: EndpointSpread | null; error: string | null } | null;
  asserts: { total: number; passed: number; failed: number };
  durationMs: number;
}

export interface CompareReport {
  kind: 'kemu-compare';
  version: 1;
  topology: string;
  file: string;
  generatedAt: string;
  durationMs: number;
  link: RunResult['link'];
  drawing: {
    subnets: { name: string; cidr: string }[];
    routers: { name: string; subnets: string[] }[];
    nodes: { name: string; role: string; subnet: string; address: string }[];
  };
  /** The mode goodput ratios are relative to (no encapsulation on the transfer's path), or null. */
  baseline: string | null;
  rows: ModeRow[];
  runs: RunResult[];
}

function firstData<T extends { kind: string }>(steps: StepResult[], kind: T['kind'], pick: (d: T, s: StepResult) => boolean = () => true): T | undefined {
  for (const s of steps) if (s.data?.kind === kind && pick(s.data as unknown as T, s)) return s.data as unknown as T;
  return undefined;
}

function latencyOf(steps: StepResult[], path: PathClass): Latency {
  const pings = steps.flatMap((s) => (s.data?.kind === 'ping' && s.data.path === path ? [s.data] : []));
  const answered = pings.find((p) => p.latencyMs !== null);
  if (answered?.latencyMs) return { p50: answered.latencyMs.p50, p99: answered.latencyMs.p99 };
  return pings.length > 0 ? 'unreachable' : null;
}

function overheadOf(steps: StepResult[], path: PathClass): WireOverhead | null {
  return firstData<PingData>(steps, 'ping', (d) => d.path === path && d.received > 0 && d.wire !== null)?.wire ?? null;
}

function statusOf(r: RunResult): ModeRow['status'] {
  if (r.error !== null) return 'error';
  return r.notBuilt.length > 0 ? 'not built' : 'ok';
}

export function summarizeRun(r: RunResult, label: string): ModeRow {
  const steps = r.steps;
  const snapshot = r.network;
  const nodes = snapshot?.nodes ?? [];
  const avg = (f: (n: (typeof nodes)[number]) => number) => (nodes.length ? Math.round((nodes.reduce((s, n) => s + f(n), 0) / nodes.length) * 10) / 10 : 0);
  const mtus = [...new Set(nodes.flatMap((n) => n.podMtus))];
  const tcp = firstData<TcpData>(steps, 'tcp');
  const http = firstData<HttpData>(steps, 'http', (d, s) => !s.background && d.to.target.startsWith('nodeport/'))
    ?? firstData<HttpData>(steps, 'http', (_d, s) => !s.background);
  const reach = firstData<Extract<StepResult['data'], { kind: 'reachability' }>>(steps, 'reachability');
  const dns = firstData<Extract<StepResult['data'], { kind: 'dns' }>>(steps, 'dns');
  const setup = r.setup;
  const keepalives = setup ? (setup.bgp.total.byType['KEEPALIVE'] ?? 0) - (setup.bgp.setup.byType['KEEPALIVE'] ?? 0) : 0;
  const afterSetupS = setup ? (r.durationMs - setup.windowMs) / 1000 : 0;
  const linkMtu = r.link.mtu;
  const notes = [
    ...r.notBuilt.map((n) => `${n} is not built yet`),
    ...(r.error ? [r.error] : []),
    ...(setup && setup.networkReadyMs === null && setup.network.unavailable.length > 0
      ? [`NetworkUnavailable on ${setup.network.unavailable.map((u) => u.node).join(', ')}: ${setup.network.unavailable[0]!.reason}`] : []),
  ];
  return {
    label, mode: r.mode, proxyMode: r.proxyMode, status: statusOf(r), notes,
    podMtu: mtus.length === 1 ? mtus[0]! : mtus.length ? Math.min(...mtus) : null,
    theoryPodMtu: theoryPodMtu(r.mode, linkMtu),
    overhead: { 'cross-node': overheadOf(steps, 'cross-node'), 'cross-subnet': overheadOf(steps, 'cross-subnet') },
    theoryOverhead: { 'cross-node': theoryOverhead(r.mode, 'cross-node'), 'cross-subnet': theoryOverhead(r.mode, 'cross-subnet') },
    perNode: nodes.length ? { routes: avg((n) => n.routes), neighbours: avg((n) => n.neighbours), fdb: avg((n) => n.fdb), natRules: avg((n) => n.natRules) } : null,
    tunnels: [...new Set(nodes.flatMap((n) => n.tunnels.map((t) => `${t.name} (${t.kind}, mtu ${t.mtu})`)))],
    setup: setup && {
      networkReadyMs: setup.networkReadyMs, cniReadyMs: setup.cniReadyMs, bgpConvergedMs: setup.bgpConvergedMs,
      notReadyBecause: setup.networkReadyMs === null
        ? (setup.network.unavailable[0] ? `${setup.network.unavailable[0].node}: ${setup.network.unavailable[0].message || setup.network.unavailable[0].reason}`
          : setup.network.missing.length ? `no NetworkUnavailable condition on ${setup.network.missing.join(', ')}` : 'unknown')
        : null,
      apiEvents: setup.apiWatch.setup.events, apiBytes: setup.apiWatch.setup.bytes, agents: setup.apiWatch.agents,
      bgpMessages: setup.bgp.setup.setupMessages, bgpBytes: setup.bgp.setup.setupBytes,
      bgpKeepalivesPerSecond: setup.bgp.total.messages > 0 && afterSetupS > 0 ? Math.round((keepalives / afterSetupS) * 10) / 10 : null,
    },
    latency: Object.fromEntries(PATHS.map((p) => [p, latencyOf(steps, p)])) as Record<PathClass, Latency>,
    goodput: tcp ? {
      path: tcp.path, mbps: tcp.goodputMbps, steadyMbps: tcp.steadyGoodputMbps, linkMbps: tcp.linkRateMbps, bytes: tcp.bytes,
      packets: tcp.completed ? tcp.underlayPackets : null, retransmits: tcp.retransmits, ratio: null, theoryRatio: null,
      theoryMbps: tcp.path && tcp.linkRateMbps !== null ? round((payloadShare(r.mode, tcp.path, linkMtu) ?? NaN) * tcp.linkRateMbps, 3) : null,
      error: tcp.error,
    } : null,
    reachability: reach ? {
      ok: reach.cells.filter((c) => c.ok).length, total: reach.cells.length, cells: reach.cells, pods: reach.pods,
    } : null,
    dns: dns ? { succeeded: dns.succeeded, lookups: dns.lookups, p50: dns.latencyMs?.p50 ?? null, error: Object.keys(dns.errors)[0] ?? null } : null,
    nodeStop: firstData<NodeStopData>(steps, 'node-stop') ?? null,
    nodePort: http ? { target: http.to.target, succeeded: http.succeeded, requests: http.requests, spread: http.spread, error: Object.keys(http.errors)[0] ?? null } : null,
    asserts: r.asserts,
    durationMs: r.durationMs,
  };
}

function round(x: number, digits: number): number | null {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The baseline: a completed transfer whose path had no encapsulation (host-gw, calico bgp...). */
function pickBaseline(rows: ModeRow[]): ModeRow | undefined {
  const ok = rows.filter((r) => r.goodput?.steadyMbps != null && r.goodput.path !== null);
  const plain = ok.filter((r) => theoryOverhead(r.mode, r.goodput!.path!) === 0 && r.theoryPodMtu === r.podMtu);
  return plain.find((r) => r.mode === 'flannel-host-gw') ?? plain.find((r) => r.mode === 'calico-bgp') ?? plain[0];
}

export function buildReport(topology: Topology, file: string, runs: RunResult[], labels: string[], durationMs: number): CompareReport {
  const rows = runs.map((r, i) => summarizeRun(r, labels[i] ?? r.mode));
  const base = pickBaseline(rows);
  if (base?.goodput?.steadyMbps != null) {
    const baseShare = payloadShare(base.mode, base.goodput.path!, topology.underlay.links.mtu);
    for (const row of rows) {
      const g = row.goodput;
      if (g === null || g.path === null) continue;
      if (g.steadyMbps !== null) g.ratio = round(g.steadyMbps / base.goodput.steadyMbps, 4);
      const share = payloadShare(row.mode, g.path, topology.underlay.links.mtu);
      if (share !== null && baseShare !== null) g.theoryRatio = round(share / baseShare, 4);
    }
  }
  return {
    kind: 'kemu-compare', version: 1, topology: topology.name, file, generatedAt: new Date().toISOString(), durationMs,
    link: runs[0]?.link ?? { rateMbps: topology.underlay.links.rate === null ? null : topology.underlay.links.rate / 1e6, mtu: topology.underlay.links.mtu, delayMs: topology.underlay.links.delay },
    drawing: {
      subnets: topology.underlay.subnets.map((s) => ({ name: s.name, cidr: s.cidr })),
      routers: topology.underlay.routers.map((r) => ({ name: r.name, subnets: r.subnets })),
      nodes: topology.nodes.map((n) => ({ name: n.name, role: n.role, subnet: n.subnet, address: n.address })),
    },
    baseline: base?.label ?? null,
    rows,
    runs,
  };
}

