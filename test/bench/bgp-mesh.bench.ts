/**
 * calico BGP at 50 nodes over kemu TCP (in-memory underlay, one subnet), two topologies:
 *  - full mesh: 1,225 sessions. Once every session is Established, every node claims a block at
 *    the same moment; route convergence = until every node has a kernel route for the 49 other
 *    blocks (49 × 50 = 2,450 UPDATEs, one per peer socket). Baseline in the same run, over the same
 *    connections: one KEEPALIVE written to every peer socket (2,450 writes), until all arrived.
 *    Goal: convergence ÷ baseline ≤ 3 (what kemu adds to the bare writes: RIB, best path, kernel).
 *    Both sides are measured warm, in ROUNDS alternating rounds (every block withdrawn, then
 *    convergence; then the baseline), and the ratio is of the medians. The first convergence in the
 *    process is reported apart (mesh_cold_converge_ms), not judged: it includes V8 compiling kemu's
 *    UPDATE path, where the baseline's KEEPALIVE path was compiled while the sessions came up.
 *    A forced GC precedes each measurement (with --expose-gc, as `npm run bench` runs).
 *  - route reflector (n00 reflects, no mesh): 49 sessions; the same route convergence (cold, then
 *    one warm round), reported beside the full mesh's (reflection doubles the hops, but a fortieth
 *    of the sessions).
 * Session establishment times (agents started → all Established) are reported too.
 */
import type { CalicoAgent } from '../../src/cni/calico/index.js';
import type { BgpTimingInput } from '../../src/cni/calico/bgp-timing.js';
import { encodeKeepalive } from '../../src/bgp/codec/index.js';
import { ipv4 } from '../../src/net/index.js';
import { loadTopologyText } from '../../src/topology/load.js';
import { type CalicoLab, calicoConfig, calicoLab, waitFor } from '../cni/calico/support.js';
import { type BenchResult, ms } from './harness.js';

const NODES = 50;
/** A full collection before each measurement: garbage from setting up 1,225 sessions is collected on nobody's clock. */
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
/** Keepalives far apart (none during a measurement); a short connect retry for the start-up race. */
const TIMING: BgpTimingInput = { holdTimeMs: 240_000, keepaliveTimeMs: 80_000, connectRetryTimeMs: 1_000, speed: 1 };
const names = Array.from({ length: NODES }, (_, i) => `n${String(i).padStart(2, '0')}`);

function fiftyNodes() {
  const nodes = names.map((n) => `{name: ${n}}`).join(', ');
  const r = loadTopologyText(`apiVersion: kemu.dev/v1alpha1\nkind: Topology\nmetadata: {name: bgp50}\nspec:
  networking: {cni: {plugin: calico, mode: bgp}}
  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24}]}
  nodes: [${nodes}]\n`, 'bgp50.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value.topology;
}

interface Fsm { send(m: Uint8Array[]): void; transport?: { handlers?: { data(b: Uint8Array): void } } }

/** Every Established session endpoint (two per session), reached through the speakers' internals. */
function endpoints(agents: Iterable<CalicoAgent>): Fsm[] {
  const out: Fsm[] = [];
  for (const a of agents) {
    const peers = (a.speaker!.speaker as unknown as { peers: Map<string, { session: { established?: Fsm } }> }).peers;
    for (const e of peers.values()) if (e.session.established) out.push(e.session.established);
  }
  return out;
}

/** Time to write one KEEPALIVE into every peer socket until every one has arrived. */
async function writeEveryPeer(agents: Iterable<CalicoAgent>): Promise<{ ms: number; writes: number }> {
  const fsms = endpoints(agents);
  const keepalive = encodeKeepalive();
  let received = 0;
  const restore: Array<() => void> = [];
  for (const f of fsms) {
    const h = f.transport?.handlers;
    if (!h) continue;
    const data = h.data;
    h.data = (b) => {
      received += b.length;
      data.call(h, b);
    };
    restore.push(() => (h.data = data));
  }
  const want = fsms.length * keepalive.length;
  gc();
  const t0 = process.hrtime.bigint();
  for (const f of fsms) f.send([keepalive]);
  await waitFor(() => received >= want, `${fsms.length} KEEPALIVEs delivered`, 60_000);
  const took = ms(t0);
  for (const r of restore) r();
  return { ms: took, writes: fsms.length };
}

async function lab50(rr: boolean): Promise<{ lab: CalicoLab; establishMs: number; sessions: number }> {
  const lab = await calicoLab(fiftyNodes(), calicoConfig({ mode: 'bgp', nodeToNodeMesh: !rr, routeReflectors: rr ? ['n00'] : [] }), TIMING);
  for (const n of names) await lab.addNode(n);
  const t0 = process.hrtime.bigint();
  for (const n of names) lab.startAgent(n);
  await waitFor(() => names.every((n) => {
    const peers = lab.agents.get(n)!.peerStatus();
    return peers.length === (rr ? (n === 'n00' ? NODES - 1 : 1) : NODES - 1) && peers.every((p) => p.state === 'up');
  }), 'every session Established', 120_000);
  const establishMs = ms(t0);
  const sessions = endpoints(lab.agents.values()).length / 2;
  return { lab, establishMs, sessions };
}

/** Whether every node has (or, `routed` false, no longer has) a route for every other node's block. */
function everyBlock(lab: CalicoLab, blocks: string[][], routed: boolean): boolean {
  return names.every((n, i) => blocks.every(([ip, len], j) => i === j || (lab.net.node(n).ns.routes.exact(ipv4(ip!), Number(len)).length > 0) === routed));
}

/** Every node claims a block at once; until every node routes every other node's block. */
async function routeConvergence(lab: CalicoLab, round: string): Promise<number> {
  gc();
  const t0 = process.hrtime.bigint();
  for (const n of names) lab.ipam.allocate(n, `k8s-pod-network.${round}-${n}`);
  const blocks = names.map((n) => lab.ipam.blocksOf(n)[0]!.split('/'));
  await waitFor(() => everyBlock(lab, blocks, true), 'every block routed on every node', 120_000);
  return ms(t0);
}

/** Every block released and withdrawn everywhere, so that the next convergence starts from none. */
async function withdrawAll(lab: CalicoLab, round: string): Promise<void> {
  const blocks = names.map((n) => lab.ipam.blocksOf(n)[0]!.split('/'));
  for (const n of names) {
    lab.ipam.release(`k8s-pod-network.${round}-${n}`);
    lab.ipam.releaseEmptyBlocks(n);
  }
  await waitFor(() => everyBlock(lab, blocks, false), 'every block withdrawn on every node', 120_000);
}

const ROUNDS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult> {
  const mesh = await lab50(false);
  const cold = await routeConvergence(mesh.lab, 'r0');
  const converge: number[] = [];
  const writes: number[] = [];
  let writeCount = 0;
  for (let r = 1; r <= ROUNDS; r++) {
    await withdrawAll(mesh.lab, `r${r - 1}`);
    converge.push(await routeConvergence(mesh.lab, `r${r}`));
    const b = await writeEveryPeer(mesh.lab.agents.values());
    writes.push(b.ms);
    writeCount = b.writes;
  }
  await mesh.lab.close();
  const rr = await lab50(true);
  const rrCold = await routeConvergence(rr.lab, 'r0');
  await withdrawAll(rr.lab, 'r0');
  const rrRoutes = await routeConvergence(rr.lab, 'r1'); // warm, like the mesh's
  await rr.lab.close();
  const meshRoutes = median(converge);
  const baseline = median(writes);
  const ratio = meshRoutes / baseline;
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join('/');
  return {
    name: 'bgp-mesh (calico, 50 nodes over kemu TCP)',
    ratioLabel: `full-mesh route convergence / one write to every peer socket (medians of ${ROUNDS} warm rounds)`,
    ratio,
    goal: '≤ 3',
    pass: ratio <= 3,
    details: {
      mesh_sessions: mesh.sessions, mesh_establish_ms: mesh.establishMs, writes: writeCount,
      mesh_converge_ms: list(converge), write_all_ms: list(writes),
      mesh_cold_converge_ms: cold, cold_ratio: cold / baseline,
      rr_sessions: rr.sessions, rr_establish_ms: rr.establishMs, rr_converge_ms: rrRoutes, rr_cold_converge_ms: rrCold, rr_vs_mesh: rrRoutes / meshRoutes,
    },
  };
}
