/**
 * What a scenario run produces: one result per step (with the measured data of its kind), the
 * setup measurements of the run, and the asserts' verdicts. Plain JSON-able data: `kemu run --json`
 * prints it, and the compare report (src/report) is built from it.
 */
import type { PathClass, StepKind } from '../topology/scenario-types.js';
import type { BgpTraffic } from './measure/bgp-wire.js';
import type { NetworkReadiness, WatchTraffic } from './measure/control-plane.js';
import type { NetworkSnapshot } from './measure/snapshot.js';
import type { LatencySummary } from './measure/stats.js';
import type { Encapsulation } from './measure/wire.js';

export type StepStatus = 'ok' | 'failed' | 'error';

/** The per-packet cost seen on the source node's underlay link for the step's first packet. */
export interface WireOverhead {
  innerBytes: number;
  outerBytes: number;
  overhead: number;
  encapsulation: Encapsulation;
  port: number | null;
}

/** Where one end of a probe is: a label for people, the node and subnet it lives on. */
export interface PlaceInfo {
  target: string;
  ip: string;
  node: string | null;
  subnet: string | null;
}

export interface PingData {
  kind: 'ping';
  from: PlaceInfo;
  to: PlaceInfo;
  path: PathClass | null;
  sent: number;
  received: number;
  latencyMs: LatencySummary | null;
  /** The first ICMP error or loss, as ping prints it. */
  errors: string[];
  wire: WireOverhead | null;
  /** Why it failed, when it did: the route the source host took and its CNI agent's problems. */
  diagnosis: string[];
}

export interface ReachabilityCell {
  from: PlaceInfo;
  to: PlaceInfo;
  path: PathClass | null;
  ok: boolean;
  received: number;
  sent: number;
  rttMs: number | null;
  /** Empty when ok. */
  reason: string;
}

export interface ReachabilityData {
  kind: 'reachability';
  pods: { name: string; node: string | null; ip: string }[];
  cells: ReachabilityCell[];
}

/** Replies by who answered (netexec's hostname): the spread over a Service's endpoints. */
export interface EndpointSpread {
  /** Ready endpoints (pod names) of the Service behind the target when the step started. */
  expected: string[];
  hits: Record<string, number>;
  missing: string[];
}

export interface UdpData {
  kind: 'udp';
  from: PlaceInfo;
  to: PlaceInfo & { port: number };
  sent: number;
  received: number;
  latencyMs: LatencySummary | null;
  spread: EndpointSpread | null;
}

export interface TcpData {
  kind: 'tcp';
  from: PlaceInfo;
  to: PlaceInfo & { port: number };
  path: PathClass | null;
  bytes: number;
  received: number;
  completed: boolean;
  /** First byte written → last byte received. */
  elapsedMs: number;
  goodputMbps: number | null;
  /** Over the last three quarters of the transfer: TCP's slow start left out. */
  steadyGoodputMbps: number | null;
  /** The topology's link rate on the path (the bottleneck), in Mbit/s; null = unlimited. */
  linkRateMbps: number | null;
  /** The receiver's buffer (window) used, in bytes; null: TCP's default. */
  window: number | null;
  /** Frames the two hosts sent on their underlay links during the transfer (data and ACKs). */
  underlayPackets: number | null;
  retransmits: number;
  podMtu: number | null;
  wire: WireOverhead | null;
  error: string | null;
}

export interface HttpRequestRecord {
  /** Milliseconds since the run started. */
  startMs: number;
  endMs: number;
  ok: boolean;
  status: number | null;
  /** The body's first line (netexec /hostname: the pod name) or the error. */
  answer: string;
}

export interface HttpData {
  kind: 'http';
  from: PlaceInfo | { target: 'external'; ip: string; node: null; subnet: null };
  /** From external: `ip` is the node's real address and `realPort` the real port for `port` (they differ with distinct ports). */
  to: PlaceInfo & { port: number; realPort?: number };
  requests: number;
  succeeded: number;
  latencyMs: LatencySummary | null;
  spread: EndpointSpread | null;
  errors: Record<string, number>;
  log: HttpRequestRecord[];
}

export interface DnsData {
  kind: 'dns';
  from: PlaceInfo;
  query: string;
  lookups: number;
  succeeded: number;
  answers: string[];
  latencyMs: LatencySummary | null;
  errors: Record<string, number>;
}

export interface NodeStopData {
  kind: 'node-stop';
  node: string;
  /**
   * Milliseconds after the stop; null: not within the observed time. Endpoints: of the traffic
   * step's Service when there is one, else of every Service with endpoints on the node.
   */
  endpointsUpdatedMs: number | null;
  routesWithdrawnMs: number | null;
  trafficRestoredMs: number | null;
  observedMs: number;
  /** Endpoints and pod routes there were to remove (0: nothing to measure). */
  endpointsOnNode: number;
  routesToNode: number;
  /** When each Service's endpoints on the node were gone. */
  endpointsByService: Record<string, number | null>;
  requestsLost: number | null;
  requestsDuring: number | null;
}

export interface MeasureData {
  kind: 'measure';
  snapshot: NetworkSnapshot;
}

export interface AssertData {
  kind: 'assert';
  of: string;
  checks: { check: string; ok: boolean; detail: string }[];
}

export interface GenericData {
  kind: 'generic';
  detail: Record<string, unknown>;
}

export type StepData = PingData | ReachabilityData | UdpData | TcpData | HttpData | DnsData | NodeStopData | MeasureData | AssertData | GenericData;

export interface StepResult {
  index: number;
  step: StepKind;
  /** The step's name, or "#N kind". */
  label: string;
  /** FILE:LINE:COL of the step. */
  where: string;
  status: StepStatus;
  /** One line for the terminal. */
  summary: string;
  startedMs: number;
  durationMs: number;
  background: boolean;
  data: StepData | null;
  error?: string;
}

export interface SetupMeasurements {
  /** Cluster.start(): API server to cluster ready (ms). */
  upMs: number;
  /** When the CNI agents said so: every node's NetworkUnavailable False (ms since the run started); null: never. */
  cniReadyMs: number | null;
  /** When routing stopped changing: the last BGP UPDATE before the cluster counted as ready; null without BGP. */
  bgpConvergedMs: number | null;
  /** Network ready: the later of the two; null when the CNI never said ready (the conditions say why). */
  networkReadyMs: number | null;
  network: NetworkReadiness;
  /** Setup traffic is counted until network ready, or until the first wait-ready ended when it never was. */
  windowMs: number;
  /** What one CNI agent's Node watch received in the setup window, and over the whole run. */
  apiWatch: { agents: number; setup: WatchTraffic; total: WatchTraffic };
  /** BGP on the wire (all nodes): in the setup window, and over the whole run. Zero when nobody speaks BGP. */
  bgp: { setup: BgpTraffic; total: BgpTraffic };
}

export interface RunResult {
  topology: string;
  file: string;
  /** The mode label ("flannel-vxlan"), or the file's own CNI when no mode was asked for. */
  mode: string;
  cni: string;
  proxyMode: string;
  /** What is not built yet in this lab (CNI plugin, proxy mode), from the cluster's own notices. */
  notBuilt: string[];
  startedAt: string;
  durationMs: number;
  setup: SetupMeasurements | null;
  /** The state right after the first wait-ready (or measure) step. */
  network: NetworkSnapshot | null;
  steps: StepResult[];
  asserts: { total: number; passed: number; failed: number };
  /** Warnings the cluster printed (CNI problems, unbuilt parts), deduplicated. */
  warnings: string[];
  /** Set when the run could not complete (the cluster failed to start...). */
  error: string | null;
  link: { rateMbps: number | null; mtu: number; delayMs: number };
}
