/**
 * kemu's pcaps in a real Wireshark: a capture of pings and one of VXLAN-encapsulated pod traffic
 * (flannel's port 8472) decode in tshark with no malformed packet and no bad checksum. Needs tshark
 * (Debian package `tshark`); without it this test fails, because interop runs where tools are installed.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ping } from '../../src/dataplane/stack/index.js';
import { LabNetwork, captureTarget } from '../../src/lab/network/index.js';
import { RealClock } from '../../src/util/clock.js';
import { programFlannelVxlan, twoRacks } from '../dataplane/lab/support.js';

const exec = promisify(execFile);

async function tshark(...args: string[]): Promise<string> {
  return (await exec('tshark', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** frame.protocols and every checksum status per frame; Wireshark's "Bad" checksum status is 0. */
async function decode(file: string, extra: string[] = []): Promise<{ protocols: string; checksums: string[] }[]> {
  const out = await tshark('-r', file, ...extra, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields',
    '-E', 'separator=\t', '-e', 'frame.protocols', '-e', 'ip.checksum.status', '-e', 'icmp.checksum.status', '-e', 'udp.checksum.status');
  return out.trimEnd().split('\n').filter(Boolean).map((line) => {
    const [protocols, ...sums] = line.split('\t');
    return { protocols: protocols!, checksums: sums.flatMap((s) => s.split(',')).filter(Boolean) };
  });
}

describe('interop: tshark reads kemu captures', function () {
  this.timeout(60_000);
  let dir: string;
  let net: LabNetwork;

  before(async () => {
    try {
      await exec('tshark', ['--version']);
    } catch {
      throw new Error('tshark is not installed: install the Debian package "tshark" (apt-get install tshark) to run the interop tests');
    }
    dir = await mkdtemp(join(tmpdir(), 'kemu-tshark-'));
    net = LabNetwork.fromTopology(twoRacks(), { clock: new RealClock() });
    await net.start();
  });
  after(async () => {
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a capture of pings (with fragments on the 1400-MTU rack) has no malformed packet', async () => {
    const cap = captureTarget(net, { target: 'router/tor:rack-b', durationMs: 500 });
    expect((await ping(net.node('w1').ns, '172.18.1.2', { count: 3, intervalMs: 20 })).received).to.equal(3);
    expect((await ping(net.node('w1').ns, '172.18.1.2', { count: 2, intervalMs: 20, size: 2000 })).received).to.equal(2);
    const file = join(dir, 'pings.pcap');
    await writeFile(file, (await cap).pcap);
    expect(await tshark('-r', file, '-Y', '_ws.malformed')).to.equal('');
    const frames = await decode(file);
    expect(frames.filter((f) => f.protocols.startsWith('eth:ethertype:ip:icmp')).length).to.be.at.least(6);
    expect(frames.flatMap((f) => f.checksums)).to.not.include('0');
    const types = await tshark('-r', file, '-Y', 'icmp', '-T', 'fields', '-e', 'icmp.type');
    expect(types.trim().split('\n').filter((t) => t === '8')).to.have.length(5);
  });

  it('a capture of VXLAN (port 8472) decodes inner Ethernet/IP/ICMP with no malformed packet', async () => {
    net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24');
    net.attachPod('w2', 'default/c', '10.244.2.2', '10.244.2.0/24');
    programFlannelVxlan([
      { ns: net.node('w1').ns, nodeIP: '172.18.0.3', podCIDR: '10.244.1.0/24' },
      { ns: net.node('w2').ns, nodeIP: '172.18.1.2', podCIDR: '10.244.2.0/24' },
    ]);
    const cap = captureTarget(net, { target: 'node/w1', durationMs: 500 });
    expect((await ping(net.pods.get('default/a')!.ns, '10.244.2.2', { count: 3, intervalMs: 20 })).received).to.equal(3);
    const file = join(dir, 'vxlan.pcap');
    await writeFile(file, (await cap).pcap);
    const asVxlan = ['-d', 'udp.port==8472,vxlan'];
    expect(await tshark('-r', file, ...asVxlan, '-Y', '_ws.malformed')).to.equal('');
    const frames = await decode(file, asVxlan);
    const inner = frames.filter((f) => f.protocols.includes('udp:vxlan:eth:ethertype:ip:icmp'));
    expect(inner.length).to.be.at.least(6);
    expect(frames.flatMap((f) => f.checksums)).to.not.include('0');
    const vni = await tshark('-r', file, ...asVxlan, '-Y', 'vxlan', '-T', 'fields', '-e', 'vxlan.vni', '-e', 'ip.src');
    expect(vni.trim().split('\n')[0]).to.match(/^1\t172\.18\.0\.3,10\.244\.1\.2$/);
  });
});
