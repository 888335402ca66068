/**
 * calico for a whole topology, for whoever wires the running cluster: the cluster's one IPAM, one
 * calico-node per node, and a BGP speaker on every router that has `bgp` in the topology. BGP
 * timers are the topology's (timing.bgpHoldTime, bgpKeepaliveTime, bgpConnectRetryTime: what goes
 * on the wire) run `timing.speed` times faster; agents' resync and retry periods scale the same way.
 * Nothing is started here: call `agent.start()` / `router.start()` (and stop) with the hosts.
 */
import type { ApiClient } from '../../api/client.js';
import type { Informer } from '../../api/client/informer.js';
import type { KubeObject, Node } from '../../api/types.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import type { Topology } from '../../topology/types.js';
import type { Clock } from '../../util/clock.js';
import { CalicoAgent, type CalicoHost } from './agent.js';
import type { BgpTimingInput } from './bgp-timing.js';
import { type CalicoNetConfig, calicoConfigFromTopology } from './config.js';
import { CalicoIpam } from './ipam.js';
import { CalicoRouterBgp, routerBgpPeers, routerPeersFor } from './router-bgp.js';

export interface CalicoClusterOptions {
  topology: Topology;
  client: ApiClient;
  /** The shared Node informer. */
  nodes: Informer<Node>;
  /** The shared BGPPeer informer (crd.projectcalico.org/v1 bgppeers), if BGPPeer resources are served. */
  bgpPeers?: Informer<KubeObject>;
  clock: Clock;
  /** A node's host side (LabNetwork's NodeNet fits). */
  host(name: string): CalicoHost;
  /** A router's namespace (LabNetwork's RouterNet.ns). */
  routerNs(name: string): NetNamespace | undefined;
  /** Overrides timing.speed (the CLI's --speed). */
  speed?: number;
  log?(line: string): void;
}

export interface CalicoCluster {
  config: CalicoNetConfig;
  ipam: CalicoIpam;
  agents: Map<string, CalicoAgent>;
  routers: Map<string, CalicoRouterBgp>;
}

export function calicoForTopology(o: CalicoClusterOptions): CalicoCluster {
  const config = calicoConfigFromTopology(o.topology.networking);
  const ipam = new CalicoIpam({ pool: config.pool, blockSize: config.blockSize });
  const t = o.topology.timing;
  const speed = o.speed ?? t.speed;
  const timing: BgpTimingInput = { holdTimeMs: t.bgpHoldTime, keepaliveTimeMs: t.bgpKeepaliveTime, connectRetryTimeMs: t.bgpConnectRetryTime, speed };
  const agents = new Map<string, CalicoAgent>();
  for (const n of o.topology.nodes) {
    agents.set(n.name, new CalicoAgent({
      nodeName: n.name, host: o.host(n.name), client: o.client, nodes: o.nodes, clock: o.clock, ipam, config, timing,
      routers: routerPeersFor(o.topology, n.name), ...(o.bgpPeers ? { bgpPeers: o.bgpPeers } : {}), resyncPeriodMs: 10_000 / speed, retryMs: 5_000 / speed,
      ...(o.log ? { log: o.log } : {}),
    }));
  }
  const routers = new Map<string, CalicoRouterBgp>();
  for (const r of o.topology.underlay.routers) {
    const ns = o.routerNs(r.name);
    if (r.bgp === null || ns === undefined) continue;
    routers.set(r.name, new CalicoRouterBgp({
      name: r.name, ns, asn: r.bgp.asNumber, peers: routerBgpPeers(o.topology, r.name, config.asNumber), clock: o.clock, timing,
      ...(o.log ? { log: o.log } : {}),
    }));
  }
  return { config, ipam, agents, routers };
}
