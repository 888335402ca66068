/**
 * Import of 100,000 routes from a gobgpd peer (issue #9), beside gobgpd importing the same routes
 * from the same gobgpd, in one run. Everything is on loopback:
 *   gobgpd A (AS 65000, 127.0.0.2) holds 100,000 distinct /24s (16.0.0.0 … 17.134.159.0, 10 per
 *   AS_PATH: 10,000 attribute sets), loaded from an MRT TABLE_DUMP_V2 file (`gobgp mrt inject`);
 *   it dials, one after the other,
 *   1. a standalone kemu BgpSpeaker (AS 64512) on 127.0.0.3 over node:net — the speaker alone;
 *   2. a calico node of a kemu lab through its BGP edge on 127.0.1.1, as `kemu up` exposes it: the
 *      connection is spliced into kemu's TCP and reaches the node's BIRD as BGPPeer 198.51.100.2,
 *      whose routes become `proto bird` kernel routes;
 *   3. gobgpd B (AS 65001, 127.0.0.4) — the baseline.
 * Each is timed from its session reaching Established (kemu: the FSM; gobgpd B: its "Peer Up" log
 * line) until its RIB holds all 100,000 (kemu: Loc-RIB, then also the node's kernel routes; B:
 * `gobgp global rib summary`, polled every 100 ms, so B's time is known to ±100 ms).
 * Skipped, not failed, without gobgpd.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BgpSpeaker } from '../../src/bgp/index.js';
import { BgpEdge } from '../../src/lab/edge/bgp-edge.js';
import { formatIpv4, ipv4 } from '../../src/net/index.js';
import { loadTopologyText } from '../../src/topology/load.js';
import { calicoConfig, calicoLab, waitFor } from '../cni/calico/support.js';
import { type MrtRoute, writeMrtDump } from '../support/mrt.js';
import { Gobgpd, freePort, gobgpMissing } from './gobgpd.js';
import { type BenchResult, ms } from './harness.js';

const ROUTES = 100_000;
const PREFIXES_PER_PATH = 10;
const FIRST = ipv4('16.0.0.0');
const A_IP = '127.0.0.2';
const SPEAKER_IP = '127.0.0.3';
const B_IP = '127.0.0.4';
/** The node's real address, as `kemu up` gives node N 127.0.1.N; A (127.0.0.2) is client 198.51.100.2 there. */
const EDGE_IP = '127.0.1.1';
const A_INSIDE = '198.51.100.2';
const POLL_MS = 100;
const NAME = 'bgp-import (100,000 routes from gobgpd)';

function route(i: number): MrtRoute {
  return { addr: (FIRST + i * 256) >>> 0, len: 24, asPath: [65100, 4_200_000_000 + Math.floor(i / PREFIXES_PER_PATH)], nextHop: ipv4('192.0.2.1') };
}

function* routes(): Generator<MrtRoute> {
  for (let i = 0; i < ROUTES; i++) yield route(i);
  // `gobgp mrt inject` (3.10) loses the last few hundred paths of its stream: repeat the first
  // routes (no-ops) as a tail to lose instead; loadA() still checks the count.
  for (let i = 0; i < 5_000; i++) yield route(i);
}

/** gobgpd A with the routes, every neighbor configured (the kemu ones refused until they listen). */
async function loadA(dir: string, ports: { a: number; speaker: number; edge: number }): Promise<Gobgpd> {
  const mrt = join(dir, 'rib.mrt');
  await writeFile(mrt, writeMrtDump({ collectorId: ipv4('192.0.2.254'), peer: { bgpId: ipv4('192.0.2.1'), address: ipv4('192.0.2.1'), asn: 65100 }, time: 1_700_000_000, routes: routes() }));
  const a = await Gobgpd.start({
    dir, name: 'a', asn: 65000, address: A_IP, port: ports.a, neighbors: [
      { address: SPEAKER_IP, asn: 64512, remotePort: ports.speaker },
      { address: EDGE_IP, asn: 64512, remotePort: ports.edge },
      { address: B_IP, asn: 65001, passive: true },
    ],
  });
  for (let attempt = 0; attempt < 3 && (await a.ribSize()) < ROUTES; attempt++) await a.cli('mrt', 'inject', 'global', mrt);
  const size = await a.ribSize();
  if (size !== ROUTES) throw new Error(`gobgpd A holds ${size} routes after injecting ${ROUTES}`);
  return a;
}

/** 1: a standalone speaker over node:net. */
async function importIntoSpeaker(port: number): Promise<Timing> {
  let established: bigint | undefined;
  let done: bigint | undefined;
  let cpu0: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let learned = 0;
  const speaker = new BgpSpeaker({
    asn: 64512, routerId: SPEAKER_IP, listenAddress: SPEAKER_IP, listenPort: port,
    log: (line) => {
      if (established !== undefined || !line.startsWith(`${A_IP}: Established`)) return;
      established = process.hrtime.bigint();
      cpu0 = process.cpuUsage();
    },
    onRoutes: (changes) => {
      for (const c of changes) learned += c.type === 'add' ? 1 : c.type === 'remove' ? -1 : 0;
      if (done !== undefined || learned < ROUTES) return;
      done = process.hrtime.bigint();
      cpu = process.cpuUsage(cpu0);
    },
  });
  try {
    speaker.addPeer({ address: A_IP, asn: 65000, passive: true, type: 'global' });
    await speaker.listen();
    await waitFor(() => done !== undefined, `${ROUTES} routes in the speaker`, 600_000);
    if (speaker.rib.size !== ROUTES) throw new Error(`the speaker's Loc-RIB holds ${speaker.rib.size} routes`);
    return { ribMs: Number(done! - established!) / 1e6, cpuMs: cpuMs(cpu!) };
  } finally {
    await speaker.close();
  }
}

/** 2: a calico node of a lab, through the BGP edge; Loc-RIB, then kernel routes. */
async function importIntoNode(port: number): Promise<Timing & { kernelMs: number }> {
  const r = loadTopologyText(`apiVersion: kemu.dev/v1alpha1\nkind: Topology\nmetadata: {name: bgp-import}\nspec:
  networking: {cni: {plugin: calico, mode: bgp}}
  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24}]}
  nodes: [{name: n1}]\n`, 'bgp-import.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const lab = await calicoLab(r.value.topology, calicoConfig({ mode: 'bgp' }), { holdTimeMs: 90_000, speed: 1 });
  const errors: string[] = [];
  const edge = new BgpEdge({
    network: lab.net, port, nodes: [{ name: 'n1', internalIP: lab.net.node('n1').eth0.address, realAddress: EDGE_IP }], onError: (e) => errors.push(e.message),
  });
  try {
    await lab.join('n1');
    const agent = lab.agents.get('n1')!;
    await lab.api.client.create('bgppeers', { apiVersion: 'crd.projectcalico.org/v1', kind: 'BGPPeer', metadata: { name: 'gobgpd-a' }, spec: { peerIP: A_INSIDE, asNumber: 65000, node: 'n1' } });
    await waitFor(() => agent.peerStatus().some((p) => p.peerAddress === A_INSIDE), 'the BGPPeer on n1', 20_000);
    const table = lab.net.node('n1').ns.routes;
    const before = table.size;
    await edge.start();
    if (errors.length > 0) throw new Error(errors.join('\n'));
    await waitFor(() => agent.peerStatus().some((p) => p.peerAddress === A_INSIDE && p.state === 'up'), 'gobgpd A Established with n1', 30_000);
    const established = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const rib = agent.speaker!.speaker.rib;
    await waitFor(() => rib.size >= ROUTES, `${ROUTES} routes in n1's Loc-RIB`, 600_000);
    const ribMs = ms(established);
    await waitFor(() => table.size - before >= ROUTES, `${ROUTES} kernel routes on n1`, 600_000);
    const kernelMs = ms(established);
    const cpu = cpuMs(process.cpuUsage(cpu0));
    for (const i of [0, ROUTES - 1]) {
      const [route] = table.exact((FIRST + i * 256) >>> 0, 24);
      if (route?.proto !== 'bird') throw new Error(`no proto bird route for ${formatIpv4((FIRST + i * 256) >>> 0)}/24 on n1`);
    }
    return { ribMs, kernelMs, cpuMs: cpu };
  } finally {
    await edge.stop();
    await lab.close();
  }
}

/** 3: gobgpd B, from its "Peer Up" until `gobgp global rib summary` shows every route. */
async function importIntoGobgpd(dir: string, aPort: number): Promise<Timing> {
  const b = await Gobgpd.start({ dir, name: 'b', asn: 65001, address: B_IP, port: -1, neighbors: [{ address: A_IP, asn: 65000, remotePort: aPort }] });
  try {
    await waitFor(() => b.peerUp.has(A_IP), 'gobgpd B Established with A', 60_000);
    const up = b.peerUp.get(A_IP)!;
    const cpu0 = await b.cpuMs();
    const deadline = Date.now() + 600_000;
    while ((await b.ribSize()) < ROUTES) {
      if (Date.now() > deadline) throw new Error(`gobgpd B did not import ${ROUTES} routes\n${b.output}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return { ribMs: ms(up), cpuMs: (await b.cpuMs()) - cpu0 };
  } finally {
    b.stop();
  }
}

interface Timing {
  /** Established → every route in the RIB. */
  ribMs: number;
  /** CPU time (user + system) of the importing process meanwhile. */
  cpuMs: number;
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

export async function run(): Promise<BenchResult> {
  const missing = await gobgpMissing();
  if (missing !== undefined) return { name: NAME, ratioLabel: '', ratio: NaN, goal: 'none', pass: null, details: {}, skipped: missing };
  const dir = await mkdtemp(join(tmpdir(), 'kemu-bgp-import-'));
  const ports = { a: await freePort(A_IP), speaker: await freePort(SPEAKER_IP), edge: await freePort(EDGE_IP) };
  let a: Gobgpd | undefined;
  try {
    const t0 = process.hrtime.bigint();
    a = await loadA(dir, ports);
    const loadMs = ms(t0);
    const speaker = await importIntoSpeaker(ports.speaker);
    const node = await importIntoNode(ports.edge);
    const gobgpd = await importIntoGobgpd(dir, ports.a);
    return {
      name: NAME,
      ratioLabel: 'kemu node (edge → BIRD Loc-RIB) / gobgpd → gobgpd',
      ratio: node.ribMs / gobgpd.ribMs,
      goal: 'none (reported beside gobgpd)',
      pass: null,
      details: {
        routes: ROUTES, attribute_sets: ROUTES / PREFIXES_PER_PATH, inject_ms: loadMs,
        speaker_rib_ms: speaker.ribMs, node_rib_ms: node.ribMs, node_kernel_ms: node.kernelMs, gobgpd_rib_ms: gobgpd.ribMs, gobgpd_poll_ms: POLL_MS,
        speaker_cpu_ms: speaker.cpuMs, node_cpu_ms: node.cpuMs, gobgpd_cpu_ms: gobgpd.cpuMs,
        speaker_vs_gobgpd: speaker.ribMs / gobgpd.ribMs, node_kernel_vs_gobgpd: node.kernelMs / gobgpd.ribMs,
      },
    };
  } finally {
    a?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
