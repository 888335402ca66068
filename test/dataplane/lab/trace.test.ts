/** `kemu trace` in process: the stack's own steps for one probe, and nothing of the traffic around it. */
import { expect } from 'chai';
import { ping } from '../../../src/dataplane/stack/index.js';
import type { TraceStep } from '../../../src/dataplane/types.js';
import { LabNetwork, captureTarget, traceProbe } from '../../../src/lab/network/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { decodeAll, programFlannelVxlan, readPcap, twoRacks, udpHandles } from './support.js';

/** The namespaces a trace went through, consecutive repeats folded. */
function path(steps: TraceStep[]): string[] {
  return steps.map((s) => s.namespace).filter((ns, i, all) => i === 0 || all[i - 1] !== ns);
}

describe('lab/network: trace', function () {
  this.timeout(20_000);
  let net: LabNetwork;
  const handles = udpHandles();

  before(async () => {
    net = LabNetwork.fromTopology(twoRacks(), { clock: new RealClock() });
    await net.start();
    net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24');
    net.attachPod('w2', 'default/c', '10.244.2.2', '10.244.2.0/24');
    programFlannelVxlan([
      { ns: net.node('w1').ns, nodeIP: '172.18.0.3', podCIDR: '10.244.1.0/24' },
      { ns: net.node('w2').ns, nodeIP: '172.18.1.2', podCIDR: '10.244.2.0/24' },
    ]);
  });
  after(async () => {
    await net.stop();
    expect(udpHandles()).to.equal(handles);
  });

  it('shows the ARP resolution a cold path needs', async () => {
    const r = await traceProbe(net, { src: 'node/w1', dst: 'node/w2' });
    expect(r.outcome).to.equal('reply');
    const arp = r.steps.filter((s) => s.kind === 'arp').map((s) => `${s.namespace} ${s.detail}`);
    expect(arp[0]).to.equal('w1 who-has 172.18.0.1 tell 172.18.0.3 (try 1)');
    expect(arp.some((a) => /^tor reply 172\.18\.0\.1 is-at /.test(a))).to.equal(true);
    expect(arp.some((a) => /^w1 172\.18\.0\.1 is-at .* REACHABLE$/.test(a))).to.equal(true);
    expect(r.steps.some((s) => s.kind === 'underlay' && s.detail.startsWith('arp who-has 172.18.0.1 tell 172.18.0.3: w1/eth0'))).to.equal(true);
  });

  it('follows an echo request and its reply through the router and both segments', async () => {
    const r = await traceProbe(net, { src: 'node/w1', dst: 'node/w2' });
    expect(r.outcome).to.equal('reply');
    expect(r.summary).to.equal('echo reply from 172.18.1.2 ttl 63');
    expect([r.src.ip, r.dst.ip, r.src.namespace]).to.deep.equal(['172.18.0.3', '172.18.1.2', 'w1']);
    expect(path(r.steps)).to.deep.equal(['w1', 'underlay:rack-a', 'tor', 'underlay:rack-b', 'w2', 'underlay:rack-b', 'tor', 'underlay:rack-a', 'w1']);
    const torTx = r.steps.filter((s) => s.namespace === 'tor' && s.kind === 'tx').map((s) => [s.iface, s.detail]);
    expect(torTx[0]).to.deep.equal(['eth1', '172.18.0.3 > 172.18.1.2 proto 1 ttl 63']);
    expect(r.steps.some((s) => s.namespace === 'w2' && s.kind === 'deliver')).to.equal(true);
    const wire = r.steps.find((s) => s.kind === 'underlay')!;
    expect(wire.detail).to.match(/^(arp .*: )?w1\/eth0 127\.0\.0\.1:\d+ > /);
    const ats = r.steps.map((s) => s.at);
    expect(ats).to.deep.equal([...ats].sort((a, b) => a - b));
  });

  it('keeps only the probe: a ping flood between other hosts during the trace leaves no step', async () => {
    const flood = ping(net.node('cp').ns, '172.18.1.2', { count: 100, intervalMs: 0 });
    const r = await traceProbe(net, { src: 'node/w1', dst: 'node/w2', proto: 'udp', port: 9999 });
    await flood;
    expect(r.steps.filter((s) => s.namespace === 'cp' || s.detail.includes('172.18.0.2'))).to.deep.equal([]);
    expect(r.outcome).to.equal('error');
    expect(r.summary).to.equal('From 172.18.1.2: Destination Port Unreachable');
    expect(r.steps.some((s) => s.namespace === 'w2' && s.kind === 'drop' && s.detail === 'udp-no-port')).to.equal(true);
  });

  it('shows where TTL runs out', async () => {
    const r = await traceProbe(net, { src: 'node/w1', dst: 'node/w2', ttl: 1 });
    expect([r.outcome, r.summary]).to.deep.equal(['error', 'From 172.18.0.1: Time to live exceeded']);
    expect(r.steps.some((s) => s.namespace === 'tor' && s.kind === 'drop' && s.detail === 'ttl-exceeded')).to.equal(true);
  });

  it('follows a pod packet into VXLAN, over the underlay and out of it (and the capture decodes)', async () => {
    expect((await ping(net.pods.get('default/a')!.ns, '10.244.2.2')).received).to.equal(1); // ARP done
    const cap = captureTarget(net, { target: 'node/w1', durationMs: 300 });
    const r = await traceProbe(net, { src: 'pod/a', dst: 'pod/c' });
    expect([r.outcome, r.summary]).to.deep.equal(['reply', 'echo reply from 10.244.2.2 ttl 62']);
    const encap = r.steps.find((s) => s.kind === 'encap')!;
    expect([encap.namespace, encap.iface, encap.detail]).to.deep.equal(['w1', 'flannel.1', 'vxlan vni 1 172.18.0.3 > 172.18.1.2:8472']);
    expect(encap.bytes).to.equal(84 + 50);
    expect(r.steps.some((s) => s.namespace === 'w2' && s.kind === 'decap' && s.iface === 'flannel.1')).to.equal(true);
    expect(path(r.steps).slice(0, 6)).to.deep.equal(['default/a', 'w1', 'underlay:rack-a', 'tor', 'underlay:rack-b', 'w2']);
    expect(r.steps.some((s) => s.namespace === 'default/c' && s.kind === 'deliver')).to.equal(true);
    const lines = decodeAll(readPcap((await cap).pcap));
    expect(lines).to.include('vxlan vni 1 [icmp echo-request]');
    expect(lines).to.include('vxlan vni 1 [icmp echo-reply]');
  });

  it('includes work a timer does for the probe: ARP retries, FAILED, the host-unreachable error', async () => {
    const r = await traceProbe(net, { src: 'node/w1', dst: '172.18.1.77', timeoutMs: 5000 });
    expect([r.outcome, r.summary]).to.deep.equal(['error', 'From 172.18.0.1: Destination Host Unreachable']);
    const tor = r.steps.filter((s) => s.namespace === 'tor').map((s) => s.detail);
    expect(tor).to.include('who-has 172.18.1.77 tell 172.18.1.1 (try 3)');
    expect(tor).to.include('172.18.1.77 FAILED after 3 requests');
    expect(tor).to.include('dest-unreachable code 1 to 172.18.0.3');
  });

  it('leaves no trace sinks behind', () => {
    for (const ns of net.namespaces()) expect(ns.trace, ns.name).to.equal(undefined);
  });
});
