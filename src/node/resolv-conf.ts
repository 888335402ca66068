/**
 * The kubelet's DNS configuration of a pod (pkg/kubelet/network/dns): what its /etc/resolv.conf
 * says, from dnsPolicy and dnsConfig. ClusterFirst: the cluster DNS Service, the search list
 * `<ns>.svc.<zone> svc.<zone> <zone>` and ndots:5; Default: the node's resolver (kemu nodes have
 * none: names outside the cluster are not resolvable from them); a host-network pod with
 * ClusterFirst falls back to Default unless the policy is ClusterFirstWithHostNet; None: only
 * dnsConfig. dnsConfig's nameservers, searches and options are merged as the kubelet merges them.
 */
import type { Pod } from '../api/types.js';

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  ndots: number;
  /** Seconds per try and tries per nameserver (glibc: timeout:5 attempts:2). */
  timeout: number;
  attempts: number;
}

export interface ClusterDnsSettings {
  /** The kube-dns Service's ClusterIP (the kubelet's --cluster-dns). */
  clusterDNS: string;
  /** --cluster-domain, e.g. cluster.local. */
  clusterDomain: string;
}

/** glibc's limits the kubelet enforces: 3 nameservers, 32 search domains (kubelet: MaxDNSSearchPaths). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCH = 32;

/** ClusterFirst's resolv.conf for a pod of `namespace` (also what `kemu curl` resolves with). */
export function clusterFirstResolvConf(namespace: string, dns: ClusterDnsSettings): ResolvConf {
  const z = dns.clusterDomain;
  return { nameservers: [dns.clusterDNS], search: [`${namespace}.svc.${z}`, `svc.${z}`, z], ndots: 5, timeout: 5, attempts: 2 };
}

export function podResolvConf(pod: Pod, dns: ClusterDnsSettings): ResolvConf {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const clusterFirst = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec.hostNetwork);
  const base: ResolvConf = clusterFirst
    ? clusterFirstResolvConf(pod.metadata.namespace ?? 'default', dns)
    : { nameservers: [], search: [], ndots: 1, timeout: 5, attempts: 2 };
  const cfg = pod.spec.dnsConfig;
  if (cfg !== undefined) {
    for (const s of cfg.nameservers ?? []) if (!base.nameservers.includes(s)) base.nameservers.push(s);
    for (const s of cfg.searches ?? []) if (!base.search.includes(s)) base.search.push(s);
    for (const o of cfg.options ?? []) {
      const v = o.value === undefined ? NaN : Number(o.value);
      if (o.name === 'ndots' && Number.isInteger(v) && v >= 0) base.ndots = Math.min(v, 15);
      if (o.name === 'timeout' && Number.isInteger(v) && v > 0) base.timeout = Math.min(v, 30);
      if (o.name === 'attempts' && Number.isInteger(v) && v > 0) base.attempts = Math.min(v, 5);
    }
  }
  base.nameservers = base.nameservers.slice(0, MAX_NAMESERVERS);
  base.search = base.search.slice(0, MAX_SEARCH);
  return base;
}

/** The file's text, as the kubelet writes it. */
export function formatResolvConf(c: ResolvConf): string {
  const lines = [
    ...(c.search.length > 0 ? [`search ${c.search.join(' ')}`] : []),
    ...c.nameservers.map((n) => `nameserver ${n}`),
    `options ndots:${c.ndots}`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * The names glibc tries for `name`, in order (res_search): an absolute name (trailing dot) as is;
 * with at least `ndots` dots the name itself first, then with each search domain; otherwise the
 * search domains first and the name itself last.
 */
export function candidateNames(name: string, c: Pick<ResolvConf, 'search' | 'ndots'>): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = c.search.map((d) => `${name}.${d}`);
  return dots >= c.ndots ? [name, ...searched] : [...searched, name];
}
