/** `kemu up FILE`: validate, start the cluster, write kubeconfig and status, run until a signal. */
import { resolve } from 'node:path';
import { loadTopologyOrReport } from './load-topology.js';
import { Cluster, type ClusterStatus } from '../lab/cluster.js';
import { type RealAddressOverrides, fromTopology, realAddressOverrides } from '../lab/from-topology.js';
import { kubeconfigYaml, writeFileAtomic } from '../lab/kubeconfig.js';
import { RealClock } from '../util/clock.js';
import { createProgress, defaultProgressMode } from '../util/progress.js';
import { loadBalancerLines, nodePortLines } from './up-lines.js';

export interface UpOptions extends RealAddressOverrides {
  apiPort?: number;
  kubeconfig: string;
  statusFile?: string;
  speed?: number;
  bgpPort?: number;
  json?: boolean;
}

export async function upCommand(file: string, opts: UpOptions): Promise<number> {
  const progress = createProgress(defaultProgressMode(Boolean(opts.json)));
  const loaded = await loadTopologyOrReport(file);
  if (loaded === undefined) return 1;
  const config = fromTopology(loaded, { apiPort: opts.apiPort, speed: opts.speed, ...realAddressOverrides(opts), bgpPort: opts.bgpPort });
  const cluster = new Cluster(config, new RealClock(), progress);
  const kubeconfig = resolve(opts.kubeconfig);
  let status: ClusterStatus | undefined;
  try {
    await cluster.start();
    await writeFileAtomic(kubeconfig, kubeconfigYaml(config.name, cluster.apiUrl()));
    status = await cluster.status(kubeconfig);
    if (opts.statusFile) await writeFileAtomic(resolve(opts.statusFile), JSON.stringify(status, null, 2) + '\n');
  } catch (err) {
    progress.warn((err as Error).message);
    await cluster.stop();
    return 1;
  }
  const rel = opts.kubeconfig;
  progress.info(
    `\nkemu cluster "${config.name}" is up: ${config.nodes.length} nodes, API at ${cluster.apiUrl()}\n` +
      `  kubectl --kubeconfig ${rel} get nodes,pods,svc -o wide\n` +
      nodePortLines(status) +
      loadBalancerLines(status) +
      (status?.dns ? `  dig @${status.dns.address} -p ${status.dns.port} kubernetes.default.svc.${config.dnsDomain}\n` : '') +
      `  export KUBECONFIG=${kubeconfig}   # then plain kubectl works\n` +
      `Press Ctrl-C to stop.`,
    { api: cluster.apiUrl(), kubeconfig },
  );
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const phase = progress.phase('Stopping');
  await cluster.stop();
  phase.done();
  return 0;
}
