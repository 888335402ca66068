/**
 * The switching semantics every segment kind shares, run once on real loopback UDP (DgramSegment)
 * and once in memory (InMemorySegment on a FakeClock): the two must behave alike.
 */
import { expect } from 'chai';
import { FakeClock } from '../../../src/util/clock.js';
import { mac } from '../../../src/net/index.js';
import { DgramSegment, InMemorySegment, UnderlayPort, formatSegmentStats } from '../../../src/dataplane/underlay/index.js';
import { BROADCAST_MAC, MAC_A, MAC_B, MAC_C, MAC_X, frame, seqOf, settle, waitFor } from './support.js';

type Kind = 'dgram' | 'memory';

async function setup(kind: Kind) {
  const clock = new FakeClock();
  const seg = kind === 'dgram' ? new DgramSegment('rack-a') : new InMemorySegment('rack-a', { clock });
  const got = new Map<UnderlayPort, number[]>();
  const attach = async (m: Uint8Array, label: string) => {
    const p = await seg.attach(m, { label });
    got.set(p, []);
    p.onReceive((f) => got.get(p)!.push(seqOf(f)));
    return p;
  };
  const a = await attach(MAC_A, 'a');
  const b = await attach(MAC_B, 'b');
  const c = await attach(MAC_C, 'c');
  /** Waits until `cond` holds (dgram) or runs due timers (memory), then lets stragglers arrive. */
  const arrive = async (cond: () => boolean = () => true) => {
    if (kind === 'memory') clock.advance(0);
    else {
      await waitFor(cond);
      await settle();
    }
  };
  return { seg, a, b, c, got, arrive, rx: (p: UnderlayPort) => got.get(p)! };
}

for (const kind of ['dgram', 'memory'] as Kind[]) {
  describe(`underlay segment switching (${kind})`, () => {
    let h: Awaited<ReturnType<typeof setup>>;
    beforeEach(async () => {
      h = await setup(kind);
    });
    afterEach(async () => {
      await h.seg.close();
    });

    it('delivers a unicast frame only to the owner of its destination MAC', async () => {
      h.a.send(frame(MAC_B, MAC_A, 1));
      await h.arrive(() => h.rx(h.b).length === 1);
      expect(h.rx(h.b)).to.deep.equal([1]);
      expect(h.rx(h.c)).to.deep.equal([]);
      expect(h.rx(h.a)).to.deep.equal([]);
      expect(h.a.counters).to.include({ txPackets: 1, txBytes: 64 });
      expect(h.b.counters).to.include({ rxPackets: 1, rxBytes: 64 });
    });

    it('delivers broadcast and multicast frames to every member but the sender', async () => {
      h.a.send(frame(BROADCAST_MAC, MAC_A, 1));
      h.a.send(frame(mac('01:00:5e:00:00:05'), MAC_A, 2));
      await h.arrive(() => h.rx(h.b).length === 2 && h.rx(h.c).length === 2);
      expect(h.rx(h.b)).to.deep.equal([1, 2]);
      expect(h.rx(h.c)).to.deep.equal([1, 2]);
      expect(h.rx(h.a)).to.deep.equal([]);
      expect(h.a.counters.txPackets).to.equal(2); // a broadcast leaves the port once
    });

    it('drops and counts frames to an unknown MAC or back to the sender', async () => {
      h.a.send(frame(MAC_X, MAC_A, 1));
      h.a.send(frame(MAC_A, MAC_A, 2));
      await h.arrive();
      expect(h.a.counters.drops['unknown-dest']).to.equal(2);
      expect([...h.got.values()].flat()).to.deep.equal([]);
    });

    it('drops and counts malformed frames without throwing', async () => {
      expect(() => h.a.send(new Uint8Array(13))).to.not.throw();
      expect(h.a.counters.drops.malformed).to.equal(1);
    });

    it('drops frames larger than MTU + 14 and carries one of exactly that size', async () => {
      h.a.send(frame(MAC_B, MAC_A, 1, 1515));
      h.a.send(frame(MAC_B, MAC_A, 2, 1514));
      await h.arrive(() => h.rx(h.b).length === 1);
      expect(h.rx(h.b)).to.deep.equal([2]);
      expect(h.a.counters.drops.mtu).to.equal(1);
    });

    it('refuses a MAC already attached and a group MAC', async () => {
      const err1 = await h.seg.attach(MAC_A).catch((e: unknown) => e);
      expect(err1).to.have.property('code', 'ERR_MAC_IN_USE');
      const err2 = await h.seg.attach(BROADCAST_MAC).catch((e: unknown) => e);
      expect(err2).to.have.property('code', 'ERR_BAD_MAC');
    });

    it('a port that is down receives nothing either, and receives again once up', async () => {
      h.b.setDown(true);
      h.a.send(frame(MAC_B, MAC_A, 1));
      await h.arrive();
      expect(h.rx(h.b)).to.deep.equal([]);
      expect(h.b.counters.drops.down).to.equal(1);
      h.b.setDown(false);
      h.a.send(frame(MAC_B, MAC_A, 2));
      await h.arrive(() => h.rx(h.b).length === 1);
      expect(h.rx(h.b)).to.deep.equal([2]);
    });

    it('takes link faults at runtime: 100 % loss or down drop everything, up again delivers', async () => {
      h.seg.setImpairments({ loss: 1 });
      h.a.send(frame(MAC_B, MAC_A, 1));
      h.seg.setImpairments({ loss: 0 });
      h.seg.setDown(true);
      h.a.send(frame(MAC_B, MAC_A, 2));
      h.seg.setDown(false);
      h.b.setDown(true);
      h.b.send(frame(MAC_A, MAC_B, 3));
      h.b.setDown(false);
      h.a.send(frame(MAC_B, MAC_A, 4));
      await h.arrive(() => h.rx(h.b).length === 1);
      expect(h.rx(h.b)).to.deep.equal([4]);
      expect(h.rx(h.a)).to.deep.equal([]);
      expect(h.a.counters.drops).to.include({ loss: 1, down: 1 });
      expect(h.b.counters.drops.down).to.equal(1);
    });

    it('applies per-port overrides on top of the segment parameters', async () => {
      h.a.setImpairments({ loss: 1 });
      expect(h.a.link.loss).to.equal(1);
      h.seg.setImpairments({ mtu: 1400 }); // the segment change reaches A, the override stays
      expect(h.a.link).to.include({ loss: 1, mtu: 1400 });
      h.a.send(frame(MAC_B, MAC_A, 1));
      h.b.send(frame(MAC_A, MAC_B, 2));
      await h.arrive(() => h.rx(h.a).length === 1);
      expect(h.rx(h.b)).to.deep.equal([]);
      expect(h.rx(h.a)).to.deep.equal([2]);
      h.a.setImpairments(null);
      expect(h.a.link.loss).to.equal(0);
    });

    it('forgets a closed port: frames to it become unknown-dest', async () => {
      h.c.close();
      h.a.send(frame(MAC_C, MAC_A, 1));
      await h.arrive();
      expect(h.a.counters.drops['unknown-dest']).to.equal(1);
      expect(h.seg.ports()).to.have.length(2);
    });

    it('offers a stats view with totals and a printable table', async () => {
      h.a.send(frame(MAC_B, MAC_A, 1));
      h.a.send(frame(MAC_X, MAC_A, 2));
      await h.arrive(() => h.rx(h.b).length === 1);
      const s = h.seg.stats();
      expect(s).to.include({ name: 'rack-a', kind, down: false });
      expect(s.ports.map((p) => p.label)).to.deep.equal(['a', 'b', 'c']);
      expect(s.totals).to.include({ txPackets: 2, rxPackets: 1 });
      expect(s.totals.drops['unknown-dest']).to.equal(1);
      expect(s.ports[0]!.address === null).to.equal(kind === 'memory');
      const text = formatSegmentStats(s);
      expect(text).to.contain('02:00:00:00:00:0a').and.contain('unknown-dest=1');
    });

    it('after close, sends are ignored and attach is refused', async () => {
      await h.seg.close();
      expect(() => h.a.send(frame(MAC_B, MAC_A, 1))).to.not.throw();
      const err = await h.seg.attach(MAC_X).catch((e: unknown) => e);
      expect(err).to.have.property('code', 'ERR_SEGMENT_CLOSED');
    });
  });
}
