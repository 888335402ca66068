/**
 * calico's BGP with real tools, through a real `kemu up` (3 nodes, calico bgp mode, BGP edge on free
 * ports): a BGPPeer (kubectl apply) for AS 65001 at 198.51.100.1 — where the edge makes a real
 * daemon at 127.0.0.1 appear — and gobgpd (Debian package `gobgpd`, bound to loopback only) peering
 * with worker-1's real address and BGP port. `gobgp global rib` shows the nodes' pod blocks; a
 * prefix added with `gobgp global rib add` appears in worker-1's kernel routes (`ip route` view,
 * `proto bird`) and, re-advertised over the iBGP mesh, in the other nodes'. `kemu bgp` shows the
 * sessions. Then tshark decodes worker-1's eth0 captured while worker-2 is stopped and started
 * (`kemu node stop/start`): OPEN, KEEPALIVE and UPDATE, no malformed packet.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type KemuUp, REPO, kemuUp } from '../support/kemu-process.js';
import { type InteropGobgpd, startGobgpd } from '../support/gobgpd.js';
import { waitFor as poll } from '../support/wait.js';

const exec = promisify(execFile);

const TOPOLOGY = `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: calico-gobgp}
spec:
  networking:
    podSubnet: 192.168.0.0/16
    cni: {plugin: calico, mode: bgp, blockSize: 26, asNumber: 64512}
  underlay: {subnets: [{name: kind, cidr: 172.18.0.0/24}]}
  nodes: [{name: control-plane, role: control-plane}, {name: worker-1}, {name: worker-2}]
  timing: {bgpHoldTime: 3s, bgpKeepaliveTime: 1s, bgpConnectRetryTime: 1s}
---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  nodeName: worker-1
  containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  nodeName: worker-2
  containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080]}]
`;

const BGP_PEER = `apiVersion: crd.projectcalico.org/v1
kind: BGPPeer
metadata: {name: gobgp}
spec: {peerIP: 198.51.100.1, asNumber: 65001, node: worker-1}
`;

/** Polls every 200 ms, for 20 s unless told: a probe may run a CLI (gobgp, kemu) as a child process. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> => poll(what, probe, timeoutMs, 200);

describe('interop: gobgpd peers with a calico node of a running kemu', function () {
  this.timeout(120_000);
  let kemu: KemuUp;
  let dir: string;
  let gobgpd: InteropGobgpd | undefined;
  let log = '';
  let blocks: string[] = [];

  const kemuCli = async (...args: string[]): Promise<string> => (await exec(process.execPath, [join(REPO, 'bin/kemu'), ...args, '--kubeconfig', kemu.kubeconfig])).stdout;
  const gobgp = (...args: string[]): Promise<string> => gobgpd!.cli(...args);
  const routes = (node: string): Promise<string> => kemuCli('node', 'show', node, 'routes');

  before(async () => {
    for (const tool of ['gobgpd', 'gobgp', 'tshark', 'kubectl']) {
      try {
        await exec(tool, tool === 'kubectl' ? ['version', '--client'] : ['--version']);
      } catch {
        throw new Error(`${tool} is not installed: install it (Debian packages gobgpd, tshark; kubectl) to run the interop tests`);
      }
    }
    dir = await mkdtemp(join(tmpdir(), 'kemu-calico-gobgp-'));
    kemu = await kemuUp(TOPOLOGY, ['--bgp-port', '0']);
    await writeFile(join(dir, 'bgppeer.yaml'), BGP_PEER);
    await exec('kubectl', ['--kubeconfig', kemu.kubeconfig, 'apply', '-f', join(dir, 'bgppeer.yaml')]);
    const w1 = kemu.status.nodes.find((n: { name: string }) => n.name === 'worker-1');
    expect(w1.bgp.address).to.equal(w1.address);
    expect(w1.bgp.port).to.be.above(0);
    gobgpd = await startGobgpd({
      dir, asn: 65001, routerId: '192.0.2.1', address: '127.0.0.1', neighbor: { address: w1.bgp.address, asn: 64512, port: w1.bgp.port },
      keepaliveSeconds: 1, onOutput: (text) => (log += text),
    });
    await waitFor('gobgpd Established with worker-1', async () => ((await kemuCli('bgp', 'worker-1')).match(/198\.51\.100\.1 +\| node specific +\| up/) ? true : undefined), 30_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${log}\n${kemu.stderr()}`);
      });
  });

  after(async () => {
    gobgpd?.proc.kill();
    if (kemu) await kemu.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves BGPPeer: kubectl get lists it', async () => {
    const { stdout } = await exec('kubectl', ['--kubeconfig', kemu.kubeconfig, 'get', 'bgppeers.crd.projectcalico.org', 'gobgp', '-o', 'jsonpath={.spec.peerIP}']);
    expect(stdout).to.equal('198.51.100.1');
  });

  it('kemu bgp shows the sessions (mesh and the BGPPeer) and the routes, as text and JSON', async () => {
    const text = await kemuCli('bgp', 'worker-1');
    expect(text).to.include('Calico process is running.');
    expect(text).to.match(/Node_198_51_100_1 +BGP +master +up/);
    expect(text).to.match(/blackhole \[static1/);
    const json = JSON.parse(await kemuCli('bgp', 'worker-1', '--json')) as { peers: { peerAddress: string; state: string; peerType: string }[]; routes: { prefix: string }[] };
    expect(json.peers.map((p) => [p.peerAddress, p.state]).sort()).to.deep.equal([['172.18.0.2', 'up'], ['172.18.0.4', 'up'], ['198.51.100.1', 'up']]);
  });

  it('`gobgp global rib` shows the nodes\' pod blocks (AS_PATH 64512)', async () => {
    // worker-1 and worker-2 each claimed a block for their pod (bgp mode has no tunnel address).
    const rib = await waitFor('the workers\' /26 blocks in gobgp', async () => {
      const r = JSON.parse((await gobgp('-j', 'global', 'rib')) || '{}') as Record<string, { attrs: { type: number; as_paths?: { asns: number[] }[] }[] }[]>;
      const b = Object.keys(r).filter((p) => p.startsWith('192.168.') && p.endsWith('/26'));
      return b.length >= 2 ? r : undefined;
    });
    blocks = Object.keys(rib).filter((p) => p.startsWith('192.168.'));
    for (const b of blocks) expect(rib[b]![0]!.attrs.find((a) => a.type === 2)?.as_paths?.[0]?.asns).to.deep.equal([64512]);
    const w1Json = JSON.parse(await kemuCli('bgp', 'worker-1', '--json')) as { routes: { prefix: string; nextHop?: string }[] };
    for (const r of w1Json.routes.filter((x) => x.prefix.startsWith('192.168.'))) expect(blocks).to.include(r.prefix);
    expect(await gobgp('global', 'rib')).to.contain(blocks[0]);
  });

  it('a prefix added with `gobgp global rib add` is a proto bird route on worker-1 and, re-advertised by iBGP, on the others', async () => {
    await gobgp('global', 'rib', 'add', '10.99.0.0/24', '-a', 'ipv4');
    const line = await waitFor('10.99.0.0/24 on worker-1', async () => (await routes('worker-1')).split('\n').find((l) => l.startsWith('10.99.0.0/24')));
    expect(line).to.match(/^10\.99\.0\.0\/24 via \S+ dev eth0 proto bird/);
    expect(await kemuCli('bgp', 'worker-1')).to.match(/10\.99\.0\.0\/24 +via 198\.51\.100\.1 on eth0 \[Node_198_51_100_1 .*\[AS65001i\]/);
    for (const n of ['worker-2', 'control-plane']) {
      await waitFor(`10.99.0.0/24 on ${n}`, async () => ((await routes(n)).includes('10.99.0.0/24 via') ? true : undefined));
    }
    await gobgp('global', 'rib', 'del', '10.99.0.0/24', '-a', 'ipv4');
    await waitFor('10.99.0.0/24 gone from worker-2', async () => ((await routes('worker-2')).includes('10.99.0.0/24') ? undefined : true));
  });

  it('tshark decodes worker-1\'s BGP while worker-2 is stopped and started: OPEN, KEEPALIVE, UPDATE, nothing malformed', async () => {
    const file = join(dir, 'bgp.pcap');
    const capture = kemuCli('capture', 'node/worker-1', '-w', file, '--duration', '12');
    await new Promise((r) => setTimeout(r, 500));
    const w2Block = (await kemuCli('bgp', 'worker-2', '--json').then((t) => JSON.parse(t) as { routes: { prefix: string; nextHop?: string }[] }))
      .routes.find((r) => !r.nextHop)?.prefix;
    expect(w2Block, 'worker-2 owns a block').to.be.a('string');
    expect(await routes('worker-1')).to.include(`${w2Block} via 172.18.0.4 dev eth0 proto bird`);
    await kemuCli('node', 'stop', 'worker-2');
    await waitFor('worker-2\'s block withdrawn on worker-1', async () => ((await routes('worker-1')).includes(`${w2Block} via`) ? undefined : true), 10_000);
    await kemuCli('node', 'start', 'worker-2');
    await waitFor('worker-2\'s block back on worker-1', async () => ((await routes('worker-1')).includes(`${w2Block} via 172.18.0.4`) ? true : undefined), 10_000);
    await capture;
    expect((await exec('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity == error'])).stdout).to.equal('');
    const types = (await exec('tshark', ['-r', file, '-Y', 'bgp', '-T', 'fields', '-e', 'bgp.type'])).stdout.split(/[\n,]/).filter(Boolean);
    expect(new Set(types)).to.include.members(['1', '2', '4']); // OPEN, UPDATE, KEEPALIVE
  });
});
