/**
 * Underlay loss as ping sees it, over real sockets with a seeded random source. Loss is netem on
 * each attached interface's egress, so a round trip crosses a lossy segment twice: 5 % per frame is
 * 1 − 0.95² ≈ 9.75 % of pings, as on Linux with netem on both ends; loss on one direction only (one
 * interface) is ≈ 5 %. Count-based bands, no timing assertions.
 */
import { expect } from 'chai';
import { ping } from '../../../src/dataplane/stack/index.js';
import { seededRandom } from '../../../src/dataplane/underlay/index.js';
import { LabNetwork } from '../../../src/lab/network/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { twoRacks, udpHandles } from './support.js';

const PINGS = 400;

async function lossPercent(net: LabNetwork): Promise<number> {
  const w1 = net.node('w1').ns;
  // Resolve ARP first: a lost ARP request costs a second of retries, not a lost ping.
  for (let i = 0; i < 20 && (await ping(w1, '172.18.1.2', { count: 1, timeoutMs: 1500 })).received === 0; i++);
  const r = await ping(w1, '172.18.1.2', { count: PINGS, intervalMs: 2, timeoutMs: 1000 });
  expect(r.transmitted).to.equal(PINGS);
  expect(r.received + r.lost.length).to.equal(PINGS);
  return (100 * r.lost.length) / PINGS;
}

describe('lab/network: underlay loss seen by ping', function () {
  this.timeout(30_000);
  const before = udpHandles();
  afterEach(() => expect(udpHandles()).to.equal(before));

  it('5 % loss on one interface (one direction) loses ~5 % of pings (2–9 % over 400)', async () => {
    const net = LabNetwork.fromTopology(twoRacks(), { clock: new RealClock(), random: seededRandom(42) });
    await net.start();
    try {
      net.routers.get('tor')!.links[1]!.port!.setImpairments({ loss: 0.05 }); // router → rack-b only
      const pct = await lossPercent(net);
      expect(pct).to.be.within(2, 9);
      expect(net.routers.get('tor')!.links[1]!.port!.counters.drops.loss).to.be.greaterThan(0);
    } finally {
      await net.stop();
    }
  });

  it('5 % loss on the segment (both ends, as the topology configures it) loses ~9.75 % of round trips (6–14 %)', async () => {
    const net = LabNetwork.fromTopology(twoRacks('mtu: 1400, loss: 5%'), { clock: new RealClock(), random: seededRandom(7) });
    await net.start();
    try {
      expect(net.segments.get('rack-b')!.link.loss).to.equal(0.05);
      const pct = await lossPercent(net);
      expect(pct).to.be.within(6, 14);
    } finally {
      await net.stop();
    }
  });
});
