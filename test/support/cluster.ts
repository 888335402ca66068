/** An in-process Cluster on a topology text, for the lab tests and benchmarks, and what they ask of it. */
import { Cluster } from '../../src/lab/cluster.js';
import { fromTopology, type Overrides } from '../../src/lab/from-topology.js';
import { loadTopologyText } from '../../src/topology/load.js';
import { RealClock } from '../../src/util/clock.js';

/**
 * A Cluster (not started) on `text`, named `file` in its diagnostics, with an ephemeral API port and
 * these overrides, on the real clock. The caller starts it, having kept it where its after hook stops it.
 */
export function clusterFromText(text: string, file: string, overrides: Overrides = {}): Cluster {
  const loaded = loadTopologyText(text, file);
  if (!loaded.ok) throw new Error(loaded.diagnostics[0]!.message);
  return new Cluster(fromTopology(loaded.value, { apiPort: 0, ...overrides }), new RealClock());
}

/**
 * How many rules of NODE's kube-proxy NAT table send `svcPort` ("ns/name:port", or "ns/name" for a
 * Service with one unnamed port) to an endpoint: one per endpoint the node's proxier knows.
 */
export function endpointRules(cluster: Cluster, node: string, svcPort: string): number {
  return (cluster.proxyOf(node)?.dumpNat() ?? '').split('\n').filter((l) => l.includes(`"${svcPort} -> `)).length;
}
