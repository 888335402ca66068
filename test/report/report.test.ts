/**
 * The comparison report from fixture runs: the rows it distils (theory next to measurements,
 * goodput ratios against the unencapsulated baseline), the aligned terminal tables, JSON that
 * reads back, and an HTML page that is self-contained, escaped and carries its charts.
 */
import { expect } from 'chai';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { type CompareReport, buildReport } from '../../src/report/summary.js';
import { renderCompareTable, renderRunTable, renderTable } from '../../src/report/table.js';
import { payloadShare, theoryOverhead, theoryPodMtu } from '../../src/report/theory.js';
import { FIXTURE_MODES, compareTopology, fixtureRun } from './fixture.js';

async function report(): Promise<CompareReport> {
  const runs = FIXTURE_MODES.map(fixtureRun);
  return buildReport(await compareTopology(), 'topologies/compare-two-racks.yaml', runs, runs.map((r) => r.mode), 30_000);
}

describe('theory', () => {
  it('knows each mode\'s overhead per path and its pod MTU', () => {
    expect(['flannel-udp', 'flannel-vxlan', 'flannel-host-gw', 'calico-bgp', 'calico-ipip', 'calico-vxlan'].map((m) => theoryOverhead(m, 'cross-node'))).to.deep.equal([28, 50, 0, 0, 20, 50]);
    expect([theoryOverhead('calico-cross-subnet', 'cross-node'), theoryOverhead('calico-cross-subnet', 'cross-subnet'), theoryOverhead('flannel-vxlan', 'same-node')]).to.deep.equal([0, 20, 0]);
    expect(theoryPodMtu('flannel-vxlan', 1500)).to.equal(1450);
  });

  it('puts the vxlan/host-gw goodput ratio at (MTU−50−40)/(MTU−40)', () => {
    const ratio = payloadShare('flannel-vxlan', 'cross-node', 1500)! / payloadShare('flannel-host-gw', 'cross-node', 1500)!;
    expect(ratio).to.be.closeTo((1500 - 50 - 40) / (1500 - 40), 1e-12);
  });
});

describe('compare report', () => {
  it('distils each run into a row with theory beside the measurement', async () => {
    const r = await report();
    expect(r.baseline).to.equal('flannel-host-gw');
    const [vxlan, hostgw, cross] = r.rows;
    expect([vxlan!.podMtu, vxlan!.theoryPodMtu, vxlan!.overhead['cross-node']!.overhead, vxlan!.theoryOverhead['cross-node']]).to.deep.equal([1450, 1450, 50, 50]);
    expect(vxlan!.goodput!.ratio).to.equal(Math.round((9.31 / 9.64) * 1e4) / 1e4);
    expect(vxlan!.goodput!.theoryRatio).to.equal(Math.round((1410 / 1460) * 1e4) / 1e4);
    expect(vxlan!.goodput!.theoryMbps).to.equal(Math.round(10 * (1410 / 1514) * 1000) / 1000);
    expect(hostgw!.latency['cross-subnet']).to.equal('unreachable');
    expect(hostgw!.reachability).to.deep.include({ ok: 1, total: 2 });
    expect(hostgw!.setup!.networkReadyMs).to.equal(null);
    expect(hostgw!.notes[0]).to.match(/^NetworkUnavailable on worker-a1: FailedToCreateRoute/);
    // calico cross-subnet: plain within a rack, IP-in-IP across.
    expect([cross!.overhead['cross-node']!.overhead, cross!.overhead['cross-subnet']!.overhead]).to.deep.equal([0, 20]);
    expect(cross!.status).to.equal('not built');
    expect(cross!.setup!.bgpMessages).to.equal(36);
    expect(cross!.nodeStop!.routesWithdrawnMs).to.equal(30);
  });

  it('prints aligned tables with theory in parentheses', async () => {
    const text = renderCompareTable(await report());
    expect(text).to.contain('goodput ratios against flannel-host-gw');
    expect(text).to.match(/flannel-vxlan +1450 \(1450\) +50 B vxlan \(50\) +50 B vxlan \(50\)/);
    expect(text).to.match(/calico-cross-subnet +1480 \(1480\) +0 B none \(0\) +20 B ipip \(20\)/);
    expect(text).to.contain('0.966 (0.966)');
    expect(text).to.contain('unreachable');
    expect(text).to.contain('calico-cross-subnet: kube-proxy mode ipvs is not built yet');
    // Every line of a table is as wide as its separator (cells padded to one width per column).
    const table = text.split('\n\n').find((s) => s.startsWith('Node stop'))!.split('\n').slice(1);
    const sep = table[1]!;
    expect(table.every((l) => l.length <= sep.length)).to.equal(true);
  });

  it('right-aligns numbers and pads every column', () => {
    expect(renderTable(['name', 'n', 'why'], [['a', '5', 'x'], ['bbb', '12', '—']])).to.equal('name   n  why\n----  --  ---\na      5  x\nbbb   12  —');
  });

  it('writes JSON that reads back, numbers cut to three decimals', async () => {
    const r = await report();
    r.rows[0]!.goodput!.steadyMbps = 9.3123456;
    const back = JSON.parse(renderJson(r)) as CompareReport;
    expect(back.kind).to.equal('kemu-compare');
    expect(back.rows.map((x) => x.label)).to.deep.equal(['flannel-vxlan', 'flannel-host-gw', 'calico-cross-subnet']);
    expect(back.rows[0]!.goodput!.steadyMbps).to.equal(9.312);
    expect(back.runs).to.have.length(3);
  });

  it('renders a self-contained HTML page: charts, topology, escaped text, no script or external URL', async () => {
    const html = renderHtml(await report());
    expect(html.startsWith('<!doctype html>')).to.equal(true);
    expect(html).to.not.match(/<script|<link|src=|https?:\/\//i);
    expect(html.match(/<svg class="chart"/g)!.length).to.be.at.least(9);
    expect(html).to.contain('id="topology-drawing"');
    for (const n of ['control-plane', 'worker-a1', 'worker-b1', 'worker-b2', 'rack-a 172.18.0.0/24', 'tor']) expect(html).to.contain(n);
    // A reason with markup in it is shown, not interpreted.
    expect(html).to.contain('subnets) &lt;b&gt;');
    expect(html).to.not.contain('subnets) <b>');
  });

  it('prints a run as one line per step and the verdict', () => {
    const run = fixtureRun(FIXTURE_MODES[1]!);
    const text = renderRunTable(run);
    expect(text).to.match(/^kemu run topologies\/compare-two-racks\.yaml \(flannel-host-gw, kube-proxy iptables\)/);
    expect(text).to.match(/\n 6  ping +cross-rack +FAILED +100 ms +cross-rack summary\n/);
    expect(text).to.contain('network ready never');
    expect(text).to.contain('asserts: 0/1 passed — 1 FAILED');
  });
});
