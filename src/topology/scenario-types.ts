/**
 * The scenario value: what `spec.scenario` means, fully defaulted (schema in scenario-schema.ts).
 * Units as in the Topology value: durations in milliseconds, percentages as fractions, rates in
 * bits per second. Every step carries where it is written, so results and errors can point at it.
 */
import type { BitsPerSecond, Fraction, LinkParams, Millis } from './types.js';
import type { PATH_CLASSES, STEP_KINDS } from './scenario-schema.js';

export type StepKind = (typeof STEP_KINDS)[number];
/** same-node: both ends on one host; cross-node: two hosts on one subnet; cross-subnet: through a router. */
export type PathClass = (typeof PATH_CLASSES)[number];

interface Base<K extends StepKind> {
  step: K;
  /** null when the file gives none; results then use "#N kind". */
  name: string | null;
  /** Where the step starts in the file (1-based). */
  line: number;
  col: number;
}

interface Traffic {
  /** A target text, see scenario-targets.ts. */
  from: string;
  background: boolean;
}

interface Probes {
  count: number;
  interval: Millis;
  timeout: Millis;
}

export interface WaitReadyStep extends Base<'wait-ready'> { timeout: Millis }
export interface SleepStep extends Base<'sleep'> { duration: Millis }
export type MeasureStep = Base<'measure'>;
export interface PingStep extends Base<'ping'>, Traffic, Probes { to: string; size: number }
export interface UdpStep extends Base<'udp'>, Traffic, Probes { to: string; payload: string }
export interface TcpStep extends Base<'tcp'>, Traffic {
  to: string;
  bytes: number;
  port: number;
  /** The receiver's buffer in bytes, hence its window; null: sized to the path's link queue. */
  window: number | null;
  timeout: Millis;
}
export interface HttpStep extends Base<'http'>, Traffic, Probes {
  to: string;
  path: string;
  /** When set, requests are sent for this long and `count` is ignored. */
  duration: Millis | null;
}
export interface DnsStep extends Base<'dns'>, Traffic, Probes { query: string }
export interface ReachabilityStep extends Base<'reachability'>, Probes { pods: string }
export interface NodeStopStep extends Base<'node-stop'> {
  node: string;
  observe: Millis;
  /** A background http step's name. */
  traffic: string | null;
}
export interface NodeStartStep extends Base<'node-start'> { node: string; wait: boolean; timeout: Millis }
export interface LinkStep extends Base<'link-down' | 'link-up'> { node: string | null; subnet: string | null }
export interface ImpairStep extends Base<'impair'> {
  node: string | null;
  subnet: string | null;
  /** Only the parameters written in the file. */
  params: Partial<Omit<LinkParams, 'mtu' | 'rate'>> & { rate?: BitsPerSecond | null };
}
export interface ScaleStep extends Base<'scale'> { deployment: string; namespace: string; replicas: number; wait: boolean; timeout: Millis }
export interface AssertStep extends Base<'assert'> {
  of: string;
  reachable: boolean | null;
  latencyUnder: Millis | null;
  successRate: Fraction | null;
  allEndpointsHit: boolean | null;
  /** reachability only: the kind of pairs checked. */
  pairs: PathClass | null;
}
export interface AwaitStep extends Base<'await'> { of: string; timeout: Millis }

export type ScenarioStep =
  | WaitReadyStep | SleepStep | MeasureStep | PingStep | UdpStep | TcpStep | HttpStep | DnsStep | ReachabilityStep
  | NodeStopStep | NodeStartStep | LinkStep | ImpairStep | ScaleStep | AssertStep | AwaitStep;

/** Steps that send traffic and may run in the background. */
export type TrafficStep = PingStep | UdpStep | TcpStep | HttpStep | DnsStep;

export function isTrafficStep(s: ScenarioStep): s is TrafficStep {
  return s.step === 'ping' || s.step === 'udp' || s.step === 'tcp' || s.step === 'http' || s.step === 'dns';
}

/** "nodeport" or "#3 ping": how results and messages name a step. */
export function stepLabel(s: ScenarioStep, index: number): string {
  return s.name ?? `#${index + 1} ${s.step}`;
}
