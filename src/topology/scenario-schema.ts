/**
 * The scenario's schema (`spec.scenario`): an ordered list of steps, each a mapping whose `step`
 * field picks the kind and with it the allowed fields, declared as data like the rest of the
 * Topology (schema.ts) so the walker reports unknown fields, wrong types and bad units at
 * FILE:LINE:COL. Semantic checks (references between steps, target syntax, node names) live in
 * validate-scenario.ts; the typed value is in scenario-types.ts.
 *
 * Fields with the same name mean the same thing in every step kind (count, interval, timeout...);
 * where their defaults differ by kind, docs/topology-format.md lists each.
 */
import type { BooleanField, Field, IntegerField, ListField, ObjectField, StringField, VariantField } from './schema.js';

const str = (doc: string, extra: Partial<StringField> = {}): StringField => ({ type: 'string', doc, ...extra });
const int = (doc: string, extra: Partial<IntegerField> = {}): IntegerField => ({ type: 'integer', doc, ...extra });
const flag = (doc: string, def?: boolean): BooleanField => ({ type: 'boolean', doc, ...(def === undefined ? {} : { default: def }) });
const dur = (doc: string, def?: string): StringField => str(doc, { format: 'duration', ...(def === undefined ? {} : { default: def }) });

/** The kinds of step, in the order the docs present them. */
export const STEP_KINDS = [
  'wait-ready', 'sleep', 'measure', 'ping', 'udp', 'tcp', 'http', 'dns', 'reachability',
  'node-stop', 'node-start', 'link-down', 'link-up', 'impair', 'scale', 'assert', 'await',
] as const;

export const PATH_CLASSES = ['same-node', 'cross-node', 'cross-subnet'] as const;

const common = {
  step: str('The kind of step.'),
  name: str('Names the step: its result is reported under this name, and assert/await/traffic refer to it.'),
};
const from = str('Where the traffic starts: node/NAME, pod/NAME[.NS], pod/[NS/]SELECTOR[@NODE], router/NAME (http also: external).', { required: true });
const background = flag('Run alongside the following steps instead of waiting for the result (see await).', false);
const count = int('How many probes, requests or lookups.', { default: 10, min: 1, max: 100_000 });
const interval = dur('Time between the starts of two probes (open loop: a slow answer does not delay the next).', '10ms');
const replyTimeout = dur('How long one probe, request or lookup may take.', '1s');
const waitTimeout = dur('How long the step may wait before it fails.', '60s');
const nodeRef = str('A node name.');
const subnetRef = str('An underlay subnet name.');

function step(doc: string, fields: Record<string, Field>): ObjectField {
  return { type: 'object', doc, fields: { ...common, ...fields } };
}

const variants: Record<(typeof STEP_KINDS)[number], ObjectField> = {
  'wait-ready': step('Waits until nodes, pods and Services are ready and every CNI agent has programmed its node.', { timeout: waitTimeout }),
  sleep: step('Waits a fixed time.', { duration: str('How long.', { format: 'duration', required: true }) }),
  measure: step('Records the network state: routes, neighbours, FDB entries, tunnel devices, pod MTUs, iptables rules.', {}),
  ping: step('ICMP echo from a source to a destination.', {
    from, to: str('Destination: node/NAME, pod/..., router/NAME or an IPv4 address.', { required: true }),
    count, interval, size: int('ICMP data bytes (ping -s).', { default: 56, min: 0, max: 65000 }), timeout: replyTimeout, background,
  }),
  udp: step('UDP datagrams to a port, e.g. agnhost netexec\'s UDP "hostname" command; replies are counted by sender.', {
    from, to: str('Destination with a port: service/NAME[.NS]:PORT, nodeport/NODE:PORT, pod/...:PORT, IP:PORT or NAME:PORT.', { required: true }),
    payload: str('The datagram\'s text.', { default: 'hostname' }), count, interval, timeout: replyTimeout, background,
  }),
  tcp: step('A bulk TCP transfer: kemu listens in the destination\'s namespace and the source sends `bytes`.', {
    from, to: str('Destination: node/NAME, pod/... or an IPv4 address owned by the emulation.', { required: true }),
    bytes: str('How much to send (1048576, 512KiB, 4MiB, 1MB).', { format: 'bytes', default: '1MiB' }),
    port: int('The port kemu listens on in the destination.', { default: 5201, min: 1, max: 65535 }),
    window: str('The receiver\'s socket buffer (iperf3 -w), so the most the sender keeps in flight.', { format: 'bytes', defaultDoc: '3/4 of the link queue (rate × 50 ms) on a rate-limited path, else TCP\'s own 512 KiB' }),
    timeout: waitTimeout, background,
  }),
  http: step('HTTP GET requests (as curl would make them), inside the emulation or, from external, to a node\'s real address.', {
    from, to: str('Destination with a port: service/NAME[.NS]:PORT, nodeport/NODE:PORT, pod/...:PORT, IP:PORT or NAME:PORT.', { required: true }),
    path: str('The request path.', { default: '/hostname' }), count,
    duration: dur('Keep sending for this long instead of `count` requests.', undefined),
    interval, timeout: replyTimeout, background,
  }),
  dns: step('A-record lookups through the pod\'s resolv.conf (the kube-dns Service and CoreDNS pods).', {
    from, query: str('The name to look up; end it with a dot to skip the search list.', { required: true }),
    count, interval, timeout: replyTimeout, background,
  }),
  reachability: step('Pings between every pair of the selected pods: the reachability matrix, with why a pair fails.', {
    pods: str('A label selector choosing the pods (e.g. app=web).', { required: true }), count, interval, timeout: replyTimeout,
  }),
  'node-stop': step('Powers a node off, then measures until its endpoints are gone, routes to it withdrawn and traffic restored.', {
    node: { ...nodeRef, required: true },
    observe: dur('How long to keep measuring at most.', '30s'),
    traffic: str('A background http step whose requests show when traffic is restored and how many were lost.'),
  }),
  'node-start': step('Powers a stopped node on again.', {
    node: { ...nodeRef, required: true }, wait: flag('Wait until the node is Ready again.', false), timeout: waitTimeout,
  }),
  'link-down': step('Takes a node\'s underlay link (or a whole subnet) down; the host keeps running.', { node: nodeRef, subnet: subnetRef }),
  'link-up': step('Brings a link taken down by link-down up again.', { node: nodeRef, subnet: subnetRef }),
  impair: step('Changes link impairments at run time: a node\'s link (its egress) or a whole subnet.', {
    node: nodeRef, subnet: subnetRef,
    delay: str('One-way delay.', { format: 'duration' }),
    jitter: str('Delay variation.', { format: 'duration' }),
    loss: str('Share of packets dropped.', { format: 'percent' }),
    duplicate: str('Share of packets sent twice.', { format: 'percent' }),
    reorder: str('Share of packets sent ahead of delayed ones.', { format: 'percent' }),
    rate: str('Bandwidth limit, or "unlimited".', { format: 'rate' }),
  }),
  scale: step('Scales a Deployment.', {
    deployment: str('The Deployment\'s name.', { required: true }),
    namespace: str('Its namespace.', { default: 'default' }),
    replicas: int('The new replica count.', { required: true, min: 0, max: 10_000 }),
    wait: flag('Wait until that many replicas are ready.', true), timeout: waitTimeout,
  }),
  assert: step('Checks the result of an earlier named step; a failed assert makes `kemu run` exit 1.', {
    of: str('The name of the step whose result is checked.', { required: true }),
    reachable: flag('true: the destination answered (every pair, for reachability); false: it never did.'),
    latencyUnder: dur('The p99 latency must be below this.', undefined),
    successRate: str('At least this share of probes, requests or lookups succeeded.', { format: 'percent' }),
    allEndpointsHit: flag('Every ready endpoint of the Service answered at least once (http, udp).'),
    pairs: str('reachability only: check just the pairs of this kind.', { enum: PATH_CLASSES, enumNoun: 'kind of pair' }),
  }),
  await: step('Waits for a background step to finish.', { of: str('The background step\'s name.', { required: true }), timeout: waitTimeout }),
};

export const SCENARIO_STEP: VariantField = {
  type: 'variant',
  doc: 'One step; `step` decides which other fields it takes.',
  discriminator: 'step',
  enumNoun: 'scenario step',
  variants,
};

export const SCENARIO_FIELD: ListField = {
  type: 'list',
  doc: 'What `kemu run` and `kemu compare` do once the cluster is up, step by step.',
  items: SCENARIO_STEP,
  defaultDoc: 'none (kemu run: wait-ready, then measure)',
};
