/**
 * The Topology document's schema, as data: every field with its type, default and meaning. The
 * loader's walker (walk.ts) reads it to reject unknown fields and wrong types, convert units and
 * fill static defaults; a test checks that docs/topology-format.md mentions every field here.
 * Defaults that depend on other fields (`defaultDoc` only) are filled in defaults.ts.
 */
import { SCENARIO_FIELD } from './scenario-schema.js';

export type Format = 'duration' | 'rate' | 'percent' | 'cidr' | 'ipv4' | 'hostport' | 'dns-label' | 'dns-subdomain' | 'bytes';

interface Common {
  doc: string;
  /** Describes a default computed from other fields (see defaults.ts). */
  defaultDoc?: string;
  required?: boolean;
}

export interface StringField extends Common {
  type: 'string';
  default?: string;
  /** Allowed values, and the noun used when a value is not one of them. */
  enum?: readonly string[];
  enumNoun?: string;
  /** Durations, rates and percentages are converted to numbers (ms, bits/s, fraction). */
  format?: Format;
}
export interface IntegerField extends Common {
  type: 'integer';
  default?: number;
  min?: number;
  max?: number;
}
export interface NumberField extends Common {
  type: 'number';
  default?: number;
}
export interface BooleanField extends Common {
  type: 'boolean';
  default?: boolean;
}
export interface ObjectField extends Common {
  type: 'object';
  fields: Record<string, Field>;
  /** Absent means "none" (null) instead of an object of defaults. */
  optional?: boolean;
}
export interface ListField extends Common {
  type: 'list';
  items: Field;
  /** When true an absent list becomes []; otherwise defaults.ts decides. */
  defaultEmpty?: boolean;
}
export interface MapField extends Common {
  type: 'map';
  values: Field;
}
/** An object whose allowed fields depend on a discriminator value (cni.plugin). */
export interface VariantField extends Common {
  type: 'variant';
  discriminator: string;
  /** Absent: the discriminator is required (a scenario step must say which step it is). */
  default?: string;
  enumNoun: string;
  variants: Record<string, ObjectField>;
}
export type Field = StringField | IntegerField | NumberField | BooleanField | ObjectField | ListField | MapField | VariantField;

const str = (doc: string, extra: Partial<StringField> = {}): StringField => ({ type: 'string', doc, ...extra });
const int = (doc: string, extra: Partial<IntegerField> = {}): IntegerField => ({ type: 'integer', doc, ...extra });
const bool = (doc: string, def: boolean, extra: Partial<BooleanField> = {}): BooleanField => ({ type: 'boolean', doc, default: def, ...extra });
const obj = (doc: string, fields: Record<string, Field>): ObjectField => ({ type: 'object', doc, fields });
const dur = (def: string, doc: string): StringField => str(doc, { format: 'duration', default: def });
const mtu = (doc: string, extra: Partial<IntegerField> = {}): IntegerField => int(doc, { min: 576, max: 9000, ...extra });

/** Link impairments; `withDefaults` false for a subnet's overrides, which inherit underlay.links. */
function linkFields(withDefaults: boolean): Record<string, Field> {
  const d = <T>(v: T) => (withDefaults ? v : undefined);
  const inherit = withDefaults ? {} : { defaultDoc: 'spec.underlay.links' };
  return {
    delay: str('One-way delay added to every packet (tc netem delay).', { format: 'duration', default: d('0s'), ...inherit }),
    jitter: str('Random variation of the delay (netem jitter); needs a delay.', { format: 'duration', default: d('0s'), ...inherit }),
    loss: str('Share of packets dropped at random.', { format: 'percent', default: d('0%'), ...inherit }),
    duplicate: str('Share of packets sent twice.', { format: 'percent', default: d('0%'), ...inherit }),
    reorder: str('Share of packets sent immediately, ahead of delayed ones (netem reorder); needs a delay.', {
      format: 'percent', default: d('0%'), ...inherit,
    }),
    rate: str('Bandwidth limit (tc tbf rate), or "unlimited".', { format: 'rate', default: d('unlimited'), ...inherit }),
    mtu: mtu('MTU of the segment, 576-9000.', withDefaults ? { defaultDoc: 'spec.underlay.mtu' } : { defaultDoc: 'spec.underlay.links.mtu' }),
  };
}

const flannel = obj('flannel: node subnets from the cluster CIDR, routes from node annotations.', {
  plugin: str('"flannel" (the default plugin).'),
  backend: str('How pod traffic crosses nodes.', { enum: ['udp', 'vxlan', 'host-gw'], enumNoun: 'flannel backend', default: 'vxlan' }),
  directRouting: bool('vxlan only: route without encapsulation to nodes on the same subnet.', false),
});

const calico = obj('calico: IPAM blocks, routes distributed by BGP.', {
  plugin: str('"calico".'),
  mode: str('bgp: plain routes; ipip / vxlan: encapsulate pod traffic between nodes.', {
    enum: ['bgp', 'ipip', 'vxlan'], enumNoun: 'calico mode', default: 'ipip',
  }),
  crossSubnet: bool('ipip/vxlan only: encapsulate only between nodes on different subnets.', false),
  blockSize: int('Prefix length of the IPAM blocks nodes borrow, 20-32.', { default: 26, min: 20, max: 32 }),
  asNumber: int('AS number of the cluster\'s BGP speakers.', { default: 64512, min: 1, max: 4294967295 }),
  nodeToNodeMesh: bool('Every node peers with every other node.', true, { defaultDoc: 'true, or false when routeReflectors are named' }),
  routeReflectors: { type: 'list', doc: 'Names of nodes that act as BGP route reflectors.', items: str('A node name.'), defaultEmpty: true },
});

const taint = obj('A node taint.', {
  key: str('Taint key (a qualified name).', { required: true }),
  value: str('Taint value (a label value).', { default: '' }),
  effect: str('NoSchedule, PreferNoSchedule or NoExecute.', { required: true }),
});

const node = obj('A cluster node: a simulated host with a kubelet, a CNI agent and a kube-proxy.', {
  name: str('Node name (a DNS-1123 subdomain), unique.', { required: true, format: 'dns-subdomain' }),
  role: str('control-plane or worker.', { enum: ['control-plane', 'worker'], enumNoun: 'node role', default: 'worker' }),
  subnet: str('Underlay subnet the node sits on.', { defaultDoc: 'the first subnet' }),
  address: str('The node\'s IPv4 address on its subnet.', { format: 'ipv4', defaultDoc: 'the next free address from .2' }),
  labels: { type: 'map', doc: 'Extra node labels.', values: str('A label value.') },
  taints: { type: 'list', doc: 'Node taints; [] for none.', items: taint, defaultDoc: 'control-plane nodes: node-role.kubernetes.io/control-plane:NoSchedule when there are workers' },
  zone: str('Sets the topology.kubernetes.io/zone label.'),
});

const subnet = obj('An underlay L2 segment (like a docker network).', {
  name: str('Subnet name (a DNS-1123 label), unique.', { required: true, format: 'dns-label' }),
  cidr: str('IPv4 network of the segment, prefix /30 or shorter.', { required: true, format: 'cidr' }),
  link: obj('Impairments of this segment, overriding spec.underlay.links.', linkFields(false)),
});

const router = obj('A router joining subnets; it takes each subnet\'s first address (.1).', {
  name: str('Router name (a DNS-1123 label), unique among routers and nodes.', { required: true, format: 'dns-label' }),
  subnets: { type: 'list', doc: 'Names of the subnets the router joins.', items: str('A subnet name.'), required: true },
  bgp: {
    ...obj('Makes the router a BGP speaker (absent: it only forwards).', { asNumber: int('The router\'s AS number.', { required: true, min: 1, max: 4294967295 }) }),
    optional: true,
  },
});

export const TOPOLOGY_SCHEMA: ObjectField = obj('A kemu topology document.', {
  apiVersion: str('kemu.dev/v1alpha1.', { required: true }),
  kind: str('Topology.', { required: true }),
  metadata: obj('Document metadata.', { name: str('Cluster name (a DNS-1123 label).', { default: 'kemu', format: 'dns-label' }) }),
  spec: obj('The cluster.', {
    apiServer: obj('The API server kubectl talks to (always on 127.0.0.1).', {
      port: int('TCP port; 0 picks a free port.', { default: 0, min: 0, max: 65535 }),
    }),
    networking: obj('Cluster networking.', {
      podSubnet: str('Cluster CIDR pods take addresses from.', { format: 'cidr', defaultDoc: '10.244.0.0/16 (flannel) or 192.168.0.0/16 (calico)' }),
      serviceSubnet: str('Service ClusterIP range.', { format: 'cidr', default: '10.96.0.0/12' }),
      nodeCIDRMaskSize: int('Prefix length of each node\'s pod range (podCIDR).', { default: 24 }),
      dnsDomain: str('Cluster DNS domain.', { default: 'cluster.local', format: 'dns-subdomain' }),
      cni: {
        type: 'variant', doc: 'The CNI plugin and its mode.', discriminator: 'plugin', default: 'flannel', enumNoun: 'CNI plugin',
        variants: { flannel, calico },
      },
      kubeProxyMode: str('Service proxy implementation.', { enum: ['iptables', 'ipvs', 'userspace'], enumNoun: 'kube-proxy mode', default: 'iptables' }),
      loadBalancerPool: str('CIDR that LoadBalancer ingress IPs come from.', { format: 'cidr' }),
    }),
    underlay: obj('The network the nodes sit on.', {
      mtu: mtu('Default MTU of node interfaces, 576-9000.', { default: 1500 }),
      subnets: { type: 'list', doc: 'L2 segments.', items: subnet, defaultDoc: 'one subnet "default" 172.18.0.0/16' },
      routers: { type: 'list', doc: 'Routers between subnets.', items: router, defaultEmpty: true },
      links: obj('Impairments applied to every segment unless a subnet overrides them.', linkFields(true)),
    }),
    nodes: { type: 'list', doc: 'The nodes.', items: node, defaultDoc: 'one control-plane node "<name>-control-plane"' },
    dns: obj('The cluster DNS server.', {
      upstreams: { type: 'list', doc: 'Upstream resolvers, "ip" or "ip:port".', items: str('An upstream.', { format: 'hostport' }), defaultEmpty: true },
      cacheSeconds: int('Cache lifetime of answers, seconds.', { default: 30, min: 0 }),
      ttl: int('TTL of cluster records, seconds.', { default: 30, min: 0 }),
    }),
    timing: obj('Control-plane timers.', {
      speed: { type: 'number', doc: 'Run Kubernetes timers this many times faster (> 0).', default: 1 },
      nodeMonitorGracePeriod: dur('40s', 'How long a node may miss heartbeats before it is NotReady.'),
      nodeMonitorPeriod: dur('5s', 'How often the node lifecycle controller checks nodes.'),
      podEvictionTimeout: dur('5m', 'How long pods stay on a NotReady node before eviction.'),
      leaseDuration: dur('40s', 'Node Lease duration.'),
      leaseRenewInterval: dur('10s', 'How often kubelets renew their Lease.'),
      nodeStatusReportFrequency: dur('5m', 'How often kubelets post node status when nothing changed.'),
      kubeProxySyncPeriod: dur('30s', 'kube-proxy full resync period.'),
      kubeProxyMinSyncPeriod: dur('1s', 'Minimum interval between kube-proxy rule syncs.'),
      bgpHoldTime: dur('240s', 'BGP hold time (0, or at least 3s).'),
      bgpKeepaliveTime: dur('80s', 'BGP keepalive interval.'),
      bgpConnectRetryTime: dur('3s', 'BGP connect retry interval.'),
      conntrackUDPTimeout: dur('30s', 'Conntrack timeout of UDP flows.'),
    }),
    scenario: SCENARIO_FIELD,
  }),
});

/** Every field path of the schema ("spec.networking.cni.backend", "spec.nodes[].name"), for docs checks. */
export function schemaPaths(field: Field = TOPOLOGY_SCHEMA, prefix = ''): string[] {
  const out: string[] = [];
  const sub = (name: string, f: Field) => {
    const p = prefix ? `${prefix}.${name}` : name;
    out.push(p, ...schemaPaths(f, p));
  };
  if (field.type === 'object') for (const [k, f] of Object.entries(field.fields)) sub(k, f);
  if (field.type === 'variant') for (const v of Object.values(field.variants)) for (const [k, f] of Object.entries(v.fields)) sub(k, f);
  if (field.type === 'list') out.push(...schemaPaths(field.items, `${prefix}[]`));
  return [...new Set(out)];
}
