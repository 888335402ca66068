/**
 * Bulk transfers pod → pod across two hosts over VXLAN on an impaired underlay (5 % loss on every
 * port's egress, 10 % reordering, 2 % duplication, 1 ms delay): every byte arrives, sha256 equal.
 * The in-memory underlay and a discrete-event clock run the retransmission timeouts in virtual
 * time, deterministically (seeded). Once direct, once through a DNAT rule on the sending host
 * (a Service-like virtual IP, conntrack un-NATing the replies).
 *
 * Size: TCP_BULK_MB (default 50).
 */
import { expect } from 'chai';
import { restore } from '../../../src/dataplane/netfilter/index.js';
import { TcpLayer, type TcpSocket } from '../../../src/dataplane/tcp/index.js';
import { seededRandom } from '../../../src/dataplane/underlay/index.js';
import { SimClock, receiveAll, sendPattern, twoPods } from './support.js';

const MB = Number(process.env.TCP_BULK_MB ?? 50);
const IMPAIRED = { delay: 1, loss: 0.05, reorder: 0.1, duplicate: 0.02 };

async function bulk(opts: { seed: number; target: { host: string; port: number }; prepare?: (pods: Awaited<ReturnType<typeof twoPods>>) => void }) {
  const clock = new SimClock();
  const pods = await twoPods({ clock, kind: 'memory', random: seededRandom(opts.seed) });
  const { net, a, b } = pods;
  try {
    opts.prepare?.(pods);
    net.segments.get('dc')!.setImpairments(IMPAIRED);
    const server = TcpLayer.of(b.ns).listen(5001);
    let received: ReturnType<typeof receiveAll> | undefined;
    let result: { bytes: number; sha256: string } | undefined;
    server.on('connection', (s: TcpSocket) => {
      received = receiveAll(s);
      void received.done.then((r) => (result = r));
    });
    const socket = TcpLayer.of(a.ns).connect(opts.target);
    let sent: string | undefined;
    void sendPattern(socket, MB * 1_000_000).then((h) => (sent = h));
    const wall = Date.now();
    const virtualStart = clock.now();
    await clock.run(() => result !== undefined && sent !== undefined, 3_600_000);
    const stats = TcpLayer.of(a.ns).stats();
    const wire = net.segments.get('dc')!.stats();
    return { result: result!, sent: sent!, stats, wire, wallMs: Date.now() - wall, virtualS: (clock.now() - virtualStart) / 1000, receiver: TcpLayer.of(b.ns).stats() };
  } finally {
    await net.stop();
  }
}

describe(`dataplane/tcp bulk: ${MB} MB pod → pod over VXLAN with 5 % loss, reordering and duplication`, function () {
  this.timeout(60_000);

  it('direct: every byte arrives in order (sha256 equal), through retransmissions', async () => {
    const r = await bulk({ seed: 11, target: { host: '10.244.1.2', port: 5001 } });
    expect(r.result.bytes).to.equal(MB * 1_000_000);
    expect(r.result.sha256).to.equal(r.sent);
    expect(r.wire.totals.drops.loss, 'the underlay lost frames').to.be.greaterThan(0);
    expect(r.wire.totals.duplicated).to.be.greaterThan(0);
    expect(r.wire.totals.reordered).to.be.greaterThan(0);
    expect(r.stats.fastRetransmits).to.be.greaterThan(0);
    expect(r.stats.retransmits).to.be.greaterThan(r.stats.fastRetransmits);
    expect(r.receiver.outOfOrder).to.be.greaterThan(0);
    console.log(`      ${MB} MB direct: ${r.wallMs} ms wall, ${r.virtualS.toFixed(1)} s virtual, ${r.stats.retransmits} retransmits (${r.stats.fastRetransmits} fast, ${r.stats.timeouts} RTO)`);
  });

  it('through DNAT on the sending host (10.96.0.50:80 → 10.244.1.2:5001): conntrack un-NATs the replies', async () => {
    const r = await bulk({
      seed: 12,
      target: { host: '10.96.0.50', port: 80 },
      prepare: ({ net }) => restore(net.node('n1').netfilter.ruleset, [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        '-A PREROUTING -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.2:5001',
        'COMMIT',
      ].join('\n')),
    });
    expect(r.result.bytes).to.equal(MB * 1_000_000);
    expect(r.result.sha256).to.equal(r.sent);
    expect(r.stats.drops['no-socket'] ?? 0, 'every reply came back as 10.96.0.50:80').to.equal(0);
    console.log(`      ${MB} MB via DNAT: ${r.wallMs} ms wall, ${r.virtualS.toFixed(1)} s virtual, ${r.stats.retransmits} retransmits`);
  });
});
