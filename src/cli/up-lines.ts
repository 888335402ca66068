/** What `kemu up` prints once the cluster is up: where real clients reach its Services. */
import type { ClusterStatus } from '../lab/cluster.js';
import type { ListenerInfo } from '../lab/edge/node-ports.js';

/**
 * One curl line per NodePort, on the first worker's listeners, so users see where Services are.
 * With distinct ports each node has its own real port for a NodePort: a second line names the
 * other nodes' (the status file lists them all).
 */
export function nodePortLines(status: ClusterStatus | undefined): string {
  if (status === undefined || status.nodePorts.length === 0) return '';
  const worker = status.nodes.find((n) => n.role === 'worker') ?? status.nodes[0]!;
  const distinct = status.nodePorts.some((p) => p.port !== p.nodePort);
  const elsewhere = (p: ListenerInfo): string => {
    if (!distinct) return '';
    const others = status.nodePorts.filter((o) => o.node !== p.node && o.nodePort === p.nodePort && o.protocol === p.protocol);
    return others.length === 0 ? '' : `    # ${p.protocol} ${p.nodePort} on the other nodes: ${others.map((o) => `${o.node} ${o.address}:${o.port}`).join(', ')}\n`;
  };
  const mine = status.nodePorts.filter((p) => p.node === worker.name);
  const lines = mine.filter((p) => !p.healthCheck && !p.proxyHealthz).map((p) => {
    const at = `${p.protocol === 'UDP' ? 'UDP ' : ''}NodePort ${p.nodePort} on ${worker.name}${distinct ? '' : ' (every node listens)'}`;
    const line = p.protocol === 'TCP'
      ? `  curl http://${p.address}:${p.port}/   # ${at}\n`
      : `  echo hostname | nc -u -w1 ${p.address} ${p.port}   # ${at}\n`;
    return line + elsewhere(p);
  });
  const healthz = mine.find((p) => p.proxyHealthz);
  if (healthz !== undefined) {
    lines.push(`  curl http://${healthz.address}:${healthz.port}/healthz   # kube-proxy's health on ${worker.name}${distinct ? '' : ' (every node)'}\n` + elsewhere(healthz));
  }
  return lines.join('');
}

/** One line per LoadBalancer ingress IP with a real address. */
export function loadBalancerLines(status: ClusterStatus | undefined): string {
  return (status?.loadBalancers ?? []).map((lb) => {
    const p = lb.ports.find((x) => x.protocol === 'TCP') ?? lb.ports[0]!;
    return p.protocol === 'TCP'
      ? `  curl http://${lb.address}:${p.port}/   # LoadBalancer ${lb.service} (ingress ${lb.ingressIP}:${p.servicePort})\n`
      : `  echo hostname | nc -u -w1 ${lb.address} ${p.port}   # UDP LoadBalancer ${lb.service} (ingress ${lb.ingressIP}:${p.servicePort})\n`;
  }).join('');
}
