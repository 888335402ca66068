/**
 * The scenario in a topology file (spec.scenario): every mistake is reported as FILE:LINE:COL with
 * a stable code, a good scenario becomes typed steps with their defaults and positions, and a file
 * without a scenario loads exactly as before (no `scenario` key at all).
 */
import { expect } from 'chai';
import { formatDiagnostic, loadTopologyText } from '../../src/topology/load.js';
import { parseEndpoint, parsePortTarget } from '../../src/topology/scenario-targets.js';
import { parseByteSize } from '../../src/topology/size.js';

const HEAD = `apiVersion: kemu.dev/v1alpha1
kind: Topology
spec:
  underlay:
    subnets: [{name: rack-a, cidr: 172.18.0.0/24}, {name: rack-b, cidr: 172.18.1.0/24}]
    routers: [{name: tor, subnets: [rack-a, rack-b]}]
  nodes: [{name: cp, role: control-plane}, {name: w1}, {name: w2, subnet: rack-b}]
  scenario:
`;
// The scenario's first step is on line 9.

function diagnostics(steps: string): string[] {
  const r = loadTopologyText(HEAD + steps, 's.yaml');
  return r.ok ? [] : r.diagnostics.map((d) => `${formatDiagnostic(d)} [${d.code}]`);
}

const BAD: [string, string, string[]][] = [
  ['unknown step kind', '    - {step: pingg}\n', ['s.yaml:9:14: spec.scenario[0].step: unknown scenario step "pingg" (supported: wait-ready, sleep, measure, ping, udp, tcp, http, dns, reachability, node-stop, node-start, link-down, link-up, impair, scale, assert, await) [BAD_VALUE]']],
  ['missing step field', '    - {name: x}\n', ['s.yaml:9:7: spec.scenario[0]: missing required field "step" (one of: wait-ready, sleep, measure, ping, udp, tcp, http, dns, reachability, node-stop, node-start, link-down, link-up, impair, scale, assert, await) [REQUIRED]']],
  ['a field of another step kind', '    - {step: ping, from: node/w1, to: node/w2, bytes: 5}\n', ['s.yaml:9:48: unknown field "spec.scenario[0].bytes": not a ping setting (ping fields: step, name, from, to, count, interval, size, timeout, background) [UNKNOWN_FIELD]']],
  ['missing required target', '    - {step: ping, from: node/w1}\n', ['s.yaml:9:7: spec.scenario[0]: missing required field "to" [REQUIRED]']],
  ['bad duration', '    - {step: ping, from: node/w1, to: node/w2, interval: 10}\n', ['s.yaml:9:58: spec.scenario[0].interval: invalid duration 10: missing unit (write e.g. "10s"; units are ns, us, ms, s, m, h) [BAD_VALUE]']],
  ['bad size', '    - {step: tcp, from: node/w1, to: node/w2, bytes: 4XB}\n', ['s.yaml:9:54: spec.scenario[0].bytes: invalid size "4XB": expected a number and an optional unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 4MiB [BAD_VALUE]']],
  ['bad target syntax', '    - {step: ping, from: host/w1, to: node/w2}\n', ['s.yaml:9:26: spec.scenario[0].from: bad target "host/w1": expected node/NAME, pod/NAME[.NS], pod/[NS/]SELECTOR[@NODE], router/NAME or an IPv4 address [BAD_VALUE]']],
  ['unknown node in a target', '    - {step: ping, from: pod/app=web@w9, to: node/w2}\n', ['s.yaml:9:26: spec.scenario[0].from: no node named "w9" (nodes: cp, w1, w2) [UNKNOWN_REFERENCE]']],
  ['bad label selector', '    - {step: ping, from: "pod/a=b=c", to: node/w2}\n', ['s.yaml:9:26: spec.scenario[0].from: bad label selector "a=b=c": found \'=\', expected: \',\' or \'end of string\' [BAD_VALUE]']],
  ['port target without a port', '    - {step: http, from: node/w1, to: service/web}\n', ['s.yaml:9:39: spec.scenario[0].to: bad target "service/web": a port is needed (service/NAME[.NS]:PORT, nodeport/NODE:PORT, pod/...:PORT, node/NAME:PORT, IP:PORT or NAME:PORT) [BAD_VALUE]']],
  ['external to a service', '    - {step: http, from: external, to: service/web:80}\n', ['s.yaml:9:40: spec.scenario[0].to: from external, only nodeport/NODE:PORT targets are reachable (a real client reaches NodePorts on the nodes\' 127.x addresses) [CONFLICT]']],
  ['external outside http', '    - {step: ping, from: external, to: node/w2}\n', ['s.yaml:9:26: spec.scenario[0].from: "external" is only a source of http steps [BAD_VALUE]']],
  ['dns from a node', '    - {step: dns, from: node/w1, query: web.default.}\n', ['s.yaml:9:25: spec.scenario[0].from: DNS lookups go through a pod\'s resolv.conf, so the source must be a pod [CONFLICT]']],
  ['assert of an unknown step', '    - {step: ping, name: p, from: node/w1, to: node/w2}\n    - {step: assert, of: q, reachable: true}\n', ['s.yaml:10:26: spec.scenario[1].of: no earlier step named "q" (named so far: p) [UNKNOWN_REFERENCE]']],
  ['assert of a later step', '    - {step: assert, of: p, reachable: true}\n    - {step: ping, name: p, from: node/w1, to: node/w2}\n', ['s.yaml:9:26: spec.scenario[0].of: no earlier step named "p" (no step before it has a name) [UNKNOWN_REFERENCE]']],
  ['assert without a condition', '    - {step: ping, name: p, from: node/w1, to: node/w2}\n    - {step: assert, of: p}\n', ['s.yaml:10:7: spec.scenario[1]: an assert needs at least one of reachable, latencyUnder, successRate, allEndpointsHit [REQUIRED]']],
  ['condition that does not apply', '    - {step: ping, name: p, from: node/w1, to: node/w2}\n    - {step: assert, of: p, allEndpointsHit: true}\n', ['s.yaml:10:46: spec.scenario[1].allEndpointsHit: does not apply to a ping step (applies to: udp, http) [CONFLICT]']],
  ['duplicate names', '    - {step: measure, name: m}\n    - {step: measure, name: m}\n', ['s.yaml:10:29: spec.scenario[1].name: duplicate step name "m" (first used by spec.scenario[0]) [DUPLICATE]']],
  ['node-stop traffic that is not background http', '    - {step: ping, name: p, from: node/w1, to: node/w2}\n    - {step: node-stop, node: w1, traffic: p}\n', ['s.yaml:10:44: spec.scenario[1].traffic: step "p" (ping) must be a background http step [CONFLICT]']],
  ['await of a foreground step', '    - {step: ping, name: p, from: node/w1, to: node/w2}\n    - {step: await, of: p}\n', ['s.yaml:10:25: spec.scenario[1].of: step "p" (ping) is not a background step (nothing to wait for) [CONFLICT]']],
  ['impair without parameters', '    - {step: impair, node: w1}\n', ['s.yaml:9:7: spec.scenario[0]: an impair step needs at least one of delay, jitter, loss, duplicate, reorder, rate [REQUIRED]']],
  ['link-down of both a node and a subnet', '    - {step: link-down, node: w1, subnet: rack-a}\n', ['s.yaml:9:43: spec.scenario[0].subnet: give either node or subnet, not both [CONFLICT]']],
  ['unknown subnet', '    - {step: link-down, subnet: rack-c}\n', ['s.yaml:9:33: spec.scenario[0].subnet: no subnet named "rack-c" (subnets: rack-a, rack-b) [UNKNOWN_REFERENCE]']],
  ['unknown router', '    - {step: ping, from: router/spine, to: node/w2}\n', ['s.yaml:9:26: spec.scenario[0].from: no router named "spine" (routers: tor) [UNKNOWN_REFERENCE]']],
  ['count and duration together', '    - {step: http, from: node/w1, to: nodeport/w1:30080, count: 3, duration: 1s}\n', ['s.yaml:9:65: spec.scenario[0].count: give either count or duration, not both [CONFLICT]']],
  ['scenario not a list', '    {step: measure}\n', ['s.yaml:9:5: spec.scenario: expected a list, got a mapping [WRONG_TYPE]']],
];

describe('scenario schema (spec.scenario)', () => {
  for (const [name, steps, expected] of BAD) {
    it(`reports ${name} at FILE:LINE:COL`, () => {
      expect(diagnostics(steps)).to.deep.equal(expected);
    });
  }

  it('turns a good scenario into typed steps with defaults and positions', () => {
    const r = loadTopologyText(HEAD + [
      '    - {step: wait-ready}',
      '    - {step: ping, name: p, from: pod/app=web@w1, to: node/w2, count: 3}',
      '    - {step: tcp, from: node/w1, to: node/w2, bytes: 4MiB}',
      '    - {step: http, name: bg, from: external, to: nodeport/w1:30080, duration: 2s, interval: 50ms, background: true}',
      '    - {step: node-stop, node: w1, traffic: bg}',
      '    - {step: impair, subnet: rack-a, delay: 1ms, rate: 10mbit}',
      '    - {step: assert, of: p, reachable: true, latencyUnder: 5ms, successRate: 90%}',
    ].join('\n') + '\n', 's.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    expect(r.value.scenario).to.deep.equal([
      { step: 'wait-ready', name: null, line: 9, col: 7, timeout: 60_000 },
      { step: 'ping', name: 'p', line: 10, col: 7, from: 'pod/app=web@w1', to: 'node/w2', count: 3, interval: 10, size: 56, timeout: 1000, background: false },
      { step: 'tcp', name: null, line: 11, col: 7, from: 'node/w1', to: 'node/w2', bytes: 4 * 1024 * 1024, port: 5201, window: null, timeout: 60_000, background: false },
      {
        step: 'http', name: 'bg', line: 12, col: 7, from: 'external', to: 'nodeport/w1:30080', path: '/hostname', count: 10, duration: 2000,
        interval: 50, timeout: 1000, background: true,
      },
      { step: 'node-stop', name: null, line: 13, col: 7, node: 'w1', observe: 30_000, traffic: 'bg' },
      { step: 'impair', name: null, line: 14, col: 7, node: null, subnet: 'rack-a', params: { delay: 1, rate: 10_000_000 } },
      { step: 'assert', name: null, line: 15, col: 7, of: 'p', reachable: true, latencyUnder: 5, successRate: 0.9, allEndpointsHit: null, pairs: null },
    ]);
  });

  it('leaves a topology without a scenario exactly as it was', () => {
    const r = loadTopologyText('apiVersion: kemu.dev/v1alpha1\nkind: Topology\nspec: {nodes: [{name: cp, role: control-plane}]}\n', 'n.yaml');
    if (!r.ok) throw new Error('should load');
    expect(Object.keys(r.value)).to.deep.equal(['file', 'topology', 'manifests']);
    expect(r.value.topology).to.not.have.property('scenario');
  });
});

describe('scenario targets and sizes', () => {
  const endpoints: [string, unknown][] = [
    ['node/w1', { kind: 'node', node: 'w1' }],
    ['pod/web-1', { kind: 'pod', namespace: 'default', name: 'web-1' }],
    ['pod/web-1.team-a', { kind: 'pod', namespace: 'team-a', name: 'web-1' }],
    ['pod/app=web', { kind: 'pod-selector', namespace: 'default', selector: 'app=web', node: null }],
    ['pod/kube-system/k8s-app=kube-dns@w2', { kind: 'pod-selector', namespace: 'kube-system', selector: 'k8s-app=kube-dns', node: 'w2' }],
    ['router/tor', { kind: 'router', router: 'tor' }],
    ['10.244.1.5', { kind: 'ip', ip: '10.244.1.5' }],
  ];
  for (const [text, value] of endpoints) {
    it(`parses ${text}`, () => expect(parseEndpoint(text)).to.deep.equal({ ok: true, value }));
  }

  const ports: [string, unknown][] = [
    ['service/web:80', { kind: 'service', namespace: 'default', name: 'web', port: 80 }],
    ['service/web.team-a:8080', { kind: 'service', namespace: 'team-a', name: 'web', port: 8080 }],
    ['nodeport/w1:30080', { kind: 'nodeport', node: 'w1', port: 30080 }],
    ['pod/app=web@w1:8081', { kind: 'pod-selector', namespace: 'default', selector: 'app=web', node: 'w1', port: 8081 }],
    ['10.96.0.10:53', { kind: 'ip', ip: '10.96.0.10', port: 53 }],
    ['web.default.svc.cluster.local.:80', { kind: 'dns', host: 'web.default.svc.cluster.local.', port: 80 }],
  ];
  for (const [text, value] of ports) {
    it(`parses ${text}`, () => expect(parsePortTarget(text)).to.deep.equal({ ok: true, value }));
  }

  it('refuses ports out of range', () => {
    expect(parsePortTarget('service/web:70000')).to.deep.equal({ ok: false, message: 'bad port "70000" in "service/web:70000": expected 1-65535' });
  });

  it('reads sizes in bytes, SI and IEC units', () => {
    expect([1000, '4MiB', '1.5KB', '2 kib', '1GB'].map((x) => parseByteSize(x))).to.deep.equal([
      { ok: true, value: 1000 }, { ok: true, value: 4_194_304 }, { ok: true, value: 1500 }, { ok: true, value: 2048 }, { ok: true, value: 1e9 },
    ]);
    expect(parseByteSize(0).ok).to.equal(false);
    expect(parseByteSize('-1KB').ok).to.equal(false);
  });
});
