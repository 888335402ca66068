/**
 * Defaults that depend on other fields (the static ones live in schema.ts), and the final step
 * that turns a checked draft into the Topology value. A default is only filled when the field is
 * absent from the file; an invalid value stays absent so no check runs on a guess.
 */
import type { Taint } from '../api/types.js';
import type { Topology } from './types.js';
import { cidrOf, formatIPv4 } from './ipv4.js';
import type { Reporter } from './reporter.js';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The walker's output, hoisted from {metadata, spec} to the Topology's shape. */
export type Draft = DeepPartial<Topology>;

export const DEFAULT_SUBNET = { name: 'default', cidr: '172.18.0.0/16' };
export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export function applyDefaults(t: Draft, r: Reporter): void {
  const net = (t.networking ??= {});
  const cni = net.cni;
  // Each CNI's own default cluster CIDR (flannel's kube-flannel.yml, calico's CALICO_IPV4POOL_CIDR).
  if (!r.has('spec.networking.podSubnet') && cni) net.podSubnet = cni.plugin === 'calico' ? '192.168.0.0/16' : '10.244.0.0/16';
  if (cni?.plugin === 'calico' && !r.has('spec.networking.cni.nodeToNodeMesh')) {
    cni.nodeToNodeMesh = (cni.routeReflectors ?? []).length === 0;
  }
  if (!r.has('spec.networking.loadBalancerPool')) net.loadBalancerPool = null;

  const u = (t.underlay ??= {});
  const links = (u.links ??= {});
  if (!r.has('spec.underlay.links.mtu') && u.mtu !== undefined) links.mtu = u.mtu;
  if (!r.has('spec.underlay.subnets')) u.subnets = [{ ...DEFAULT_SUBNET }];
  for (const s of u.subnets ?? []) if (s) s.link = { ...links, ...definedOnly(s.link ?? {}) };

  if (!r.has('spec.nodes')) t.nodes = [{ name: `${t.name ?? 'kemu'}-control-plane`, role: 'control-plane', labels: {} }];
  const nodes = t.nodes ?? [];
  const firstSubnet = u.subnets?.[0]?.name;
  const hasWorkers = nodes.some((n) => n?.role === 'worker');
  nodes.forEach((n, i) => {
    if (!n) return;
    if (!r.has(`spec.nodes[${i}].subnet`) && firstSubnet) n.subnet = firstSubnet;
    // kubeadm taints control-plane nodes; kind drops the taint when there is no worker to run pods.
    if (!r.has(`spec.nodes[${i}].taints`)) n.taints = n.role === 'control-plane' && hasWorkers ? [{ ...CONTROL_PLANE_TAINT }] : [];
  });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The checked draft as the final value (fixed key order); only called when nothing was reported. */
export function finalize(t: Draft): Topology {
  const d = t as Topology;
  const cidrs = new Map(d.underlay.subnets.map((s) => [s.name, cidrOf(s.cidr)]));
  return {
    name: d.name,
    apiServer: d.apiServer,
    networking: {
      podSubnet: d.networking.podSubnet,
      serviceSubnet: d.networking.serviceSubnet,
      nodeCIDRMaskSize: d.networking.nodeCIDRMaskSize,
      dnsDomain: d.networking.dnsDomain,
      cni: d.networking.cni,
      kubeProxyMode: d.networking.kubeProxyMode,
      loadBalancerPool: d.networking.loadBalancerPool,
    },
    underlay: {
      mtu: d.underlay.mtu,
      subnets: d.underlay.subnets.map((s) => ({ name: s.name, cidr: s.cidr, link: s.link })),
      routers: d.underlay.routers.map((rt) => ({
        name: rt.name,
        subnets: rt.subnets,
        interfaces: rt.subnets.map((s) => ({ subnet: s, address: formatIPv4(cidrs.get(s)!.base + 1) })),
        bgp: rt.bgp ?? null,
      })),
      links: d.underlay.links,
    },
    nodes: d.nodes.map((n) => {
      const labels: Record<string, string> = { ...n.labels };
      if (n.role === 'control-plane') labels[CONTROL_PLANE_LABEL] = '';
      if (n.zone) labels[ZONE_LABEL] = n.zone;
      const taints = n.taints.map((x) => ({ key: x.key, ...(x.value ? { value: x.value } : {}), effect: x.effect }));
      return { name: n.name, role: n.role, subnet: n.subnet, address: n.address, labels, taints, zone: n.zone ?? null };
    }),
    dns: d.dns,
    timing: d.timing,
  };
}
