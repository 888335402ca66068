/**
 * Scenario checks beyond the schema: step names are unique, references point at earlier steps of
 * the right kind (assert/await `of`, node-stop `traffic`), targets parse and name existing nodes,
 * routers and subnets, and each step's fields make sense together. Then `finalizeScenario` turns
 * the checked draft into typed steps (scenario-types.ts) with their positions.
 */
import type { Reporter } from './reporter.js';
import { type Endpoint, type PortTarget, namedNode, parseEndpoint, parsePortTarget } from './scenario-targets.js';
import type { ScenarioStep, StepKind } from './scenario-types.js';

type RawStep = Record<string, unknown> & { step: StepKind };

export interface ScenarioRefs {
  nodes: string[];
  subnets: string[];
  routers: string[];
}

/** Which assert conditions apply to which kind of step. */
const CONDITIONS: Record<string, StepKind[]> = {
  reachable: ['ping', 'udp', 'tcp', 'http', 'dns', 'reachability'],
  latencyUnder: ['ping', 'udp', 'http', 'dns', 'reachability'],
  successRate: ['ping', 'udp', 'http', 'dns', 'reachability'],
  allEndpointsHit: ['udp', 'http'],
  pairs: ['reachability'],
};
const IMPAIRMENTS = ['delay', 'jitter', 'loss', 'duplicate', 'reorder', 'rate'] as const;

export function validateScenario(raw: unknown[] | undefined, refs: ScenarioRefs, r: Reporter): void {
  if (raw === undefined) return;
  const seen = new Map<string, { index: number; step: RawStep }>();
  raw.forEach((item, i) => {
    if (item === undefined || item === null) return;
    const s = item as RawStep;
    const p = `spec.scenario[${i}]`;
    const check = new StepChecker(s, p, refs, r, seen);
    check.run();
    if (typeof s.name === 'string') {
      const first = seen.get(s.name);
      if (first) r.error(`${p}.name`, 'DUPLICATE', `${p}.name: duplicate step name "${s.name}" (first used by spec.scenario[${first.index}])`);
      else seen.set(s.name, { index: i, step: s });
    }
  });
}

class StepChecker {
  constructor(
    private readonly s: RawStep,
    private readonly p: string,
    private readonly refs: ScenarioRefs,
    private readonly r: Reporter,
    private readonly earlier: Map<string, { index: number; step: RawStep }>,
  ) {}

  run(): void {
    const s = this.s;
    if (s.name === '') this.r.error(`${this.p}.name`, 'BAD_VALUE', `${this.p}.name: must not be empty`);
    if (typeof s.from === 'string') this.endpoint('from', s.from, s.step === 'http');
    if (typeof s.to === 'string') {
      if (s.step === 'udp' || s.step === 'http') this.portTarget('to', s.to);
      else this.endpoint('to', s.to, false);
    }
    for (const k of ['node'] as const) if (typeof s[k] === 'string') this.node(k, s[k] as string);
    if (typeof s.subnet === 'string' && !this.refs.subnets.includes(s.subnet)) {
      this.r.error(`${this.p}.subnet`, 'UNKNOWN_REFERENCE', `${this.p}.subnet: no subnet named "${s.subnet}" (subnets: ${this.refs.subnets.join(', ')})`);
    }
    switch (s.step) {
      case 'link-down':
      case 'link-up':
      case 'impair':
        this.exactlyOne('node', 'subnet');
        if (s.step === 'impair' && !IMPAIRMENTS.some((k) => this.r.has(`${this.p}.${k}`))) {
          this.r.error(this.p, 'REQUIRED', `${this.p}: an impair step needs at least one of ${IMPAIRMENTS.join(', ')}`);
        }
        break;
      case 'assert':
        this.assertStep();
        break;
      case 'await':
        this.reference('of', (t) => (t.background === true ? undefined : 'is not a background step (nothing to wait for)'));
        break;
      case 'node-stop':
        if (typeof s.traffic === 'string') {
          this.reference('traffic', (t) => (t.step === 'http' && t.background === true ? undefined : 'must be a background http step'));
        }
        break;
      case 'http':
        if (s.from === 'external' && typeof s.to === 'string' && !s.to.trim().startsWith('nodeport/')) {
          this.r.error(`${this.p}.to`, 'CONFLICT', `${this.p}.to: from external, only nodeport/NODE:PORT targets are reachable (a real client reaches NodePorts on the nodes' 127.x addresses)`);
        }
        if (this.r.has(`${this.p}.duration`) && this.r.has(`${this.p}.count`)) {
          this.r.error(`${this.p}.count`, 'CONFLICT', `${this.p}.count: give either count or duration, not both`);
        }
        break;
      case 'dns':
        if (typeof s.from === 'string' && !s.from.trim().startsWith('pod/')) {
          this.r.error(`${this.p}.from`, 'CONFLICT', `${this.p}.from: DNS lookups go through a pod's resolv.conf, so the source must be a pod`);
        }
        break;
      case 'reachability':
        if (typeof s.pods === 'string') {
          const e = parseEndpoint(`pod/${s.pods}`);
          if (!e.ok || e.value.kind !== 'pod-selector') this.r.error(`${this.p}.pods`, 'BAD_VALUE', `${this.p}.pods: ${e.ok ? 'expected a label selector such as app=web' : e.message}`);
        }
        break;
      default:
        break;
    }
  }

  private endpoint(field: string, text: string, external: boolean): void {
    const e = parseEndpoint(text, { external });
    if (!e.ok) return this.r.error(`${this.p}.${field}`, 'BAD_VALUE', `${this.p}.${field}: ${e.message}`);
    this.targetRefs(field, e.value);
  }

  private portTarget(field: string, text: string): void {
    const t = parsePortTarget(text);
    if (!t.ok) return this.r.error(`${this.p}.${field}`, 'BAD_VALUE', `${this.p}.${field}: ${t.message}`);
    this.targetRefs(field, t.value);
  }

  private targetRefs(field: string, t: Endpoint | PortTarget): void {
    const node = namedNode(t);
    if (node !== null) this.node(field, node);
    if (t.kind === 'router' && t.router !== 'gateway' && !this.refs.routers.includes(t.router)) {
      const known = this.refs.routers.length ? this.refs.routers.join(', ') : 'none';
      this.r.error(`${this.p}.${field}`, 'UNKNOWN_REFERENCE', `${this.p}.${field}: no router named "${t.router}" (routers: ${known})`);
    }
  }

  private node(field: string, name: string): void {
    if (this.refs.nodes.includes(name)) return;
    this.r.error(`${this.p}.${field}`, 'UNKNOWN_REFERENCE', `${this.p}.${field}: no node named "${name}" (nodes: ${this.refs.nodes.join(', ')})`);
  }

  private exactlyOne(a: string, b: string): void {
    const has = [a, b].filter((k) => this.r.has(`${this.p}.${k}`));
    if (has.length === 1) return;
    const msg = has.length === 0 ? `${this.p}: a ${this.s.step} step needs a ${a} or a ${b}` : `${this.p}.${b}: give either ${a} or ${b}, not both`;
    this.r.error(has.length === 0 ? this.p : `${this.p}.${b}`, has.length === 0 ? 'REQUIRED' : 'CONFLICT', msg);
  }

  /** `field` names an earlier step; `why` says what is wrong with it, if anything. */
  private reference(field: string, why: (target: RawStep) => string | undefined): RawStep | undefined {
    const name = this.s[field];
    if (typeof name !== 'string') return undefined;
    const target = this.earlier.get(name)?.step;
    if (target === undefined) {
      const known = [...this.earlier.keys()];
      this.r.error(`${this.p}.${field}`, 'UNKNOWN_REFERENCE', `${this.p}.${field}: no earlier step named "${name}" (${known.length ? `named so far: ${known.join(', ')}` : 'no step before it has a name'})`);
      return undefined;
    }
    const problem = why(target);
    if (problem !== undefined) {
      this.r.error(`${this.p}.${field}`, 'CONFLICT', `${this.p}.${field}: step "${name}" (${target.step}) ${problem}`);
      return undefined;
    }
    return target;
  }

  private assertStep(): void {
    const present = Object.keys(CONDITIONS).filter((k) => this.r.has(`${this.p}.${k}`));
    if (present.filter((k) => k !== 'pairs').length === 0) {
      this.r.error(this.p, 'REQUIRED', `${this.p}: an assert needs at least one of reachable, latencyUnder, successRate, allEndpointsHit`);
    }
    const target = this.reference('of', () => undefined);
    if (target === undefined) return;
    for (const k of present) {
      if (!CONDITIONS[k]!.includes(target.step)) {
        this.r.error(`${this.p}.${k}`, 'CONFLICT', `${this.p}.${k}: does not apply to a ${target.step} step (applies to: ${CONDITIONS[k]!.join(', ')})`);
      }
    }
  }
}

/** The checked draft as typed steps; only called when nothing was reported. */
export function finalizeScenario(raw: unknown[], posOf: (path: string) => { line: number; col: number }): ScenarioStep[] {
  return raw.map((item, i) => {
    const s = item as RawStep;
    const { line, col } = posOf(`spec.scenario[${i}]`);
    const base = { step: s.step, name: (s.name as string | undefined) ?? null, line, col };
    const opt = <T>(k: string): T | null => (s[k] === undefined ? null : (s[k] as T));
    switch (s.step) {
      case 'impair': {
        const params = Object.fromEntries(IMPAIRMENTS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
        return { ...base, step: 'impair', node: opt<string>('node'), subnet: opt<string>('subnet'), params } as ScenarioStep;
      }
      case 'http':
        return { ...s, ...base, duration: opt<number>('duration') } as unknown as ScenarioStep;
      case 'link-down':
      case 'link-up':
        return { ...base, node: opt<string>('node'), subnet: opt<string>('subnet') } as ScenarioStep;
      case 'node-stop':
        return { ...s, ...base, traffic: opt<string>('traffic') } as unknown as ScenarioStep;
      case 'tcp':
        return { ...s, ...base, window: opt<number>('window') } as unknown as ScenarioStep;
      case 'assert':
        return {
          ...base, of: s.of, reachable: opt('reachable'), latencyUnder: opt('latencyUnder'), successRate: opt('successRate'),
          allEndpointsHit: opt('allEndpointsHit'), pairs: opt('pairs'),
        } as ScenarioStep;
      default:
        return { ...s, ...base } as unknown as ScenarioStep;
    }
  });
}
