/**
 * A small cluster on the packet plane for the proxy-mode tests: two nodes (flannel-style VXLAN,
 * in-memory underlay, virtual time), a client pod `a` on n1 (10.244.0.2) and server pods b, b2 on n2
 * (10.244.1.2, .3) and c on n1 (10.244.0.3), kube-proxy in the chosen mode on both hosts, fed
 * Services and EndpointSlices directly. Server helpers answer with the pod's name (TCP and UDP).
 */
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import type { UdpSocket } from '../../../src/dataplane/stack/index.js';
import { TcpLayer, type TcpServer, type TcpSocket } from '../../../src/dataplane/tcp/index.js';
import type { LabNetwork } from '../../../src/lab/network/index.js';
import { IptablesProxier } from '../../../src/proxy/iptables/proxier.js';
import { IpvsProxier } from '../../../src/proxy/ipvs/proxier.js';
import type { Provider } from '../../../src/proxy/provider.js';
import { UserspaceProxier } from '../../../src/proxy/userspace/proxier.js';
import { formatIpv4 } from '../../../src/net/index.js';
import { SimClock, twoPods } from '../../dataplane/tcp/support.js';
import { ep, service, slice } from '../fixtures.js';

export type Mode = 'iptables' | 'ipvs' | 'userspace';
type Pod = ReturnType<LabNetwork['attachPod']>;

export interface ProxyLab {
  clock: SimClock;
  net: LabNetwork;
  pods: Record<'a' | 'b' | 'b2' | 'c', Pod>;
  proxies: Record<'n1' | 'n2', Provider>;
  nodeIP: Record<'n1' | 'n2', string>;
  errors: unknown[];
  stop(): Promise<void>;
}

export async function proxyLab(mode: Mode, seed = 7): Promise<ProxyLab> {
  const clock = new SimClock();
  const { net, a, b } = await twoPods({ clock, kind: 'memory' });
  const b2 = net.attachPod('n2', 'default/b2', '10.244.1.3', '10.244.1.0/24', { mtu: 1450 });
  const c = net.attachPod('n1', 'default/c', '10.244.0.3', '10.244.0.0/24', { mtu: 1450 });
  const errors: unknown[] = [];
  let x = seed;
  const random = (): number => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x / 2 ** 32;
  };
  const make = (node: 'n1' | 'n2'): Provider => {
    const n = net.node(node);
    const common = { nodeName: node, clock, minSyncPeriodMs: 100, syncPeriodMs: 30_000, onError: (e: unknown) => errors.push(e) };
    if (mode === 'ipvs') return new IpvsProxier({ ...common, nodeIPs: [n.eth0.address], clusterCIDR: '10.244.0.0/16', ns: n.ns, netfilter: n.netfilter });
    if (mode === 'userspace') return new UserspaceProxier({ ...common, nodeIP: n.eth0.address, ns: n.ns, netfilter: n.netfilter, random });
    return new IptablesProxier({ ...common, nodeIPs: [n.eth0.address], clusterCIDR: '10.244.0.0/16', ruleset: n.netfilter.ruleset });
  };
  const proxies = { n1: make('n1'), n2: make('n2') };
  for (const p of Object.values(proxies)) {
    p.start();
    p.onServicesSynced();
    p.onEndpointSlicesSynced();
  }
  await clock.advance(200);
  return {
    clock, net, pods: { a, b, b2, c }, proxies, errors,
    nodeIP: { n1: net.node('n1').eth0.address, n2: net.node('n2').eth0.address },
    stop: async () => {
      for (const p of Object.values(proxies)) p.stop();
      await net.stop();
    },
  };
}

/** Adds objects to both proxies and lets them sync. */
export async function publish(lab: ProxyLab, services: Service[], slices: EndpointSlice[]): Promise<void> {
  for (const p of Object.values(lab.proxies)) {
    for (const s of services) p.onServiceAdd(s);
    for (const s of slices) p.onEndpointSliceAdd(s);
  }
  await lab.clock.advance(300);
}

/** The usual test service: TCP 80 → 8080 and UDP 53 → 5353 on b, b2 and c. */
export function webService(opts: { affinity?: boolean; name?: string; clusterIP?: string; nodePort?: number } = {}): { svc: Service; slice: EndpointSlice } {
  const name = opts.name ?? 'web';
  const svc = service('default', name, {
    type: opts.nodePort ? 'NodePort' : 'ClusterIP',
    clusterIP: opts.clusterIP ?? '10.96.0.80',
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', ...(opts.nodePort ? { nodePort: opts.nodePort } : {}) },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
    ...(opts.affinity ? { sessionAffinity: 'ClientIP' as const, sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } } : {}),
  });
  const sl = slice('default', name, `${name}-1`, [ep('10.244.1.2', 'n2'), ep('10.244.1.3', 'n2'), ep('10.244.0.3', 'n1')], [
    { name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' },
  ]);
  return { svc, slice: sl };
}

/** A TCP server that writes its name and ends; and a UDP one that answers its name. */
export function nameServers(pod: Pod, name: string): { tcp: TcpServer; udp: UdpSocket; close(): void } {
  const tcp = TcpLayer.of(pod.ns).listen(8080);
  tcp.on('connection', (s: TcpSocket) => {
    s.on('error', () => s.destroy());
    s.on('data', () => undefined);
    s.end(name);
  });
  const udp = pod.ns.udp.bind(5353);
  udp.onMessage((_p, info) => udp.send(info.srcIp, info.srcPort, new TextEncoder().encode(name)));
  return { tcp, udp, close: () => { tcp.close(); udp.close(); } };
}

/** One TCP connection: what the server said, or the error code. */
export async function fetchName(lab: ProxyLab, from: Pod, host: string, port: number, timeoutMs = 10_000): Promise<string> {
  let result: string | undefined;
  const s = TcpLayer.of(from.ns).connect({ host, port, timeoutMs });
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  s.on('end', () => (result = Buffer.concat(chunks).toString()));
  s.on('error', (e: Error & { code?: string }) => (result = `error:${e.code ?? e.message}`));
  await lab.clock.run(() => result !== undefined, timeoutMs + 5000);
  s.destroy();
  return result!;
}

/** One UDP exchange from a fresh socket: the answer and where it came from. */
export async function askName(lab: ProxyLab, from: Pod, host: string, port: number): Promise<{ answer: string; from: string }> {
  const sock = from.ns.udp.bind(0);
  let out: { answer: string; from: string } | undefined;
  sock.onMessage((payload, info) => (out = { answer: new TextDecoder().decode(payload), from: `${formatIpv4(info.srcIp)}:${info.srcPort}` }));
  sock.onError((e) => (out = { answer: `error:${e.errno}`, from: '' }));
  sock.send(host, port, new TextEncoder().encode('name?'));
  try {
    await lab.clock.run(() => out !== undefined, 5000);
  } finally {
    sock.close();
  }
  return out!;
}
