/**
 * The packet plane through a real `kemu up`: `kemu ping`, `kemu trace` and `kemu capture` reach the
 * running emulation through the kubeconfig and report what its namespaces did.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kemuCli, kemuUp, type KemuUp } from '../support/kemu-process.js';
import { decodeAll, readPcap } from '../dataplane/lab/support.js';

const TOPOLOGY = `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: racks}
spec:
  underlay:
    subnets:
      - {name: rack-a, cidr: 172.18.0.0/24}
      - {name: rack-b, cidr: 172.18.1.0/24, link: {mtu: 1400}}
    routers:
      - {name: tor, subnets: [rack-a, rack-b]}
  nodes:
    - {name: cp, role: control-plane, subnet: rack-a}
    - {name: w1, subnet: rack-a}
    - {name: w2, subnet: rack-b}
  timing: {speed: 20}
`;

describe('packet plane (real kemu up): kemu ping, trace, capture', function () {
  this.timeout(60_000);
  let kemu: KemuUp;
  const cli = (...args: string[]) => kemuCli(kemu.kubeconfig, ...args);

  before(async () => {
    kemu = await kemuUp(TOPOLOGY);
  });
  after(async () => {
    expect(await kemu?.stop()).to.equal(0);
  });

  it('kemu ping prints like iputils: replies with TTL 63 across the router, loss and rtt summary', async () => {
    const r = await cli('ping', 'node/w1', 'node/w2', '-c', '3', '-i', '0.05');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.equal('PING node/w2 (172.18.1.2) from 172.18.0.3 node/w1: 56(84) bytes of data.');
    for (const seq of [1, 2, 3]) {
      expect(lines[seq]).to.match(new RegExp(`^64 bytes from 172\\.18\\.1\\.2: icmp_seq=${seq} ttl=63 time=\\d+(\\.\\d+)? ms$`));
    }
    expect(lines).to.include('--- node/w2 ping statistics ---');
    expect(lines.at(-2)).to.match(/^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$/);
    expect(lines.at(-1)).to.match(/^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/);
  });

  it('kemu ping --df into the 1400-MTU rack reports frag-needed and exits 1; --json has the numbers', async () => {
    const r = await cli('ping', 'node/w1', '172.18.1.2', '-s', '1472', '--df', '-c', '1');
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain('From 172.18.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)');
    expect(r.stdout).to.contain('1 packets transmitted, 0 received, +1 errors, 100% packet loss');
    const j = await cli('ping', 'node/cp', 'router/tor:rack-b', '-c', '2', '-i', '0.05', '--json');
    expect(j.code).to.equal(0);
    const res = JSON.parse(j.stdout);
    expect([res.src.ip, res.dst.ip, res.result.received, res.result.ttls]).to.deep.equal(['172.18.0.2', '172.18.1.1', 2, [64, 64]]);
  });

  it('kemu trace prints the numbered steps of the live emulation, ending in the reply', async () => {
    const r = await cli('trace', 'node/w1', 'node/w2');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.equal('trace icmp from node/w1 (172.18.0.3 in w1) to node/w2 (172.18.1.2)');
    expect(lines[1]).to.match(/^\s*# +time +namespace +iface +step +what happened +size$/);
    const steps = lines.slice(2, -1);
    steps.forEach((l, i) => expect(l).to.match(new RegExp(`^\\s*${i + 1}  \\+\\d+\\.\\d{3}ms  `)));
    expect(steps.some((l) => /\btor +eth1 +tx +172\.18\.0\.3 > 172\.18\.1\.2 proto 1 ttl 63 +84 B$/.test(l))).to.equal(true);
    expect(steps.some((l) => /underlay:rack-b +eth1 +underlay +tor\/eth1 127\.0\.0\.1:\d+ > w2\/eth0 127\.0\.0\.1:\d+/.test(l))).to.equal(true);
    expect(steps.some((l) => /\bw2 +eth0 +deliver +proto 1 to 172\.18\.1\.2/.test(l))).to.equal(true);
    expect(lines.at(-1)).to.match(/^result: reply: echo reply from 172\.18\.1\.2 ttl 63 \(\d+ steps, [\d.]+ ms\)$/);

    const udp = await cli('trace', 'node/cp', 'node/w2', '--proto', 'udp', '--port', '5353', '--json');
    expect(udp.code).to.equal(1);
    const t = JSON.parse(udp.stdout);
    expect([t.outcome, t.summary, t.port]).to.deep.equal(['error', 'From 172.18.1.2: Destination Port Unreachable', 5353]);
    expect(t.steps.some((s: { namespace: string; kind: string; detail: string }) => s.namespace === 'w2' && s.kind === 'drop' && s.detail === 'udp-no-port')).to.equal(true);
  });

  it('kemu capture -w writes a pcap of the interface that decodes without a malformed frame', async () => {
    const file = join(kemu.dir, 'tor-eth1.pcap');
    const capture = cli('capture', 'router/tor:eth1', '-w', file, '-c', '6', '--duration', '30');
    let done = false;
    void capture.then(() => (done = true));
    // Ping until the capture has its frames: no guess about when the capture started.
    while (!done) expect((await cli('ping', 'node/cp', 'node/w2', '-c', '2', '-i', '0.05')).code).to.equal(0);
    const r = await capture;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^6 frames captured on tor eth1 \(Ethernet\) → /);
    const lines = decodeAll(readPcap(new Uint8Array(await readFile(file)))); // throws on a malformed frame
    expect(lines).to.have.length(6);
    expect(lines).to.include('icmp echo-request');
    expect(lines).to.include('icmp echo-reply');
  });

  it('unknown targets fail with a clear message and exit 2', async () => {
    const r = await cli('ping', 'node/nope', 'node/w2', '-c', '1');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('kemu: no node "nope" (nodes: cp, w1, w2)\n');
    const c = await cli('capture', 'pod/web', '-w', join(kemu.dir, 'x.pcap'), '-c', '1');
    expect(c.code).to.equal(2);
    expect(c.stderr).to.contain('no attached pod "web"');
  });
});
