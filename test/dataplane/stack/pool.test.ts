import { expect } from 'chai';
import { HEADROOM, SLOT_SIZE, allocPacket, headroomOf, prependSpace, pushHeader, sliceView } from '../../../src/dataplane/stack/pool.js';
import { netifRx, stackNow } from '../../../src/dataplane/stack/backlog.js';
import { FakeClock, RealClock } from '../../../src/util/clock.js';

describe('dataplane/stack packet pool (headroom) and backlog time', () => {
  it('allocPacket leaves HEADROOM bytes in front, in a slot of its own', () => {
    const views = Array.from({ length: 300 }, (_, i) => allocPacket(1 + (i * 37) % (SLOT_SIZE - HEADROOM)));
    for (const v of views) expect(headroomOf(v)).to.equal(HEADROOM);
    // Slots are aligned and no two packets share one, across slabs too.
    const used = new Map<ArrayBufferLike, Set<number>>();
    for (const v of views) {
      expect((v.byteOffset - HEADROOM) % SLOT_SIZE).to.equal(0);
      const slots = used.get(v.buffer) ?? new Set<number>();
      expect(slots.has(v.byteOffset)).to.equal(false);
      used.set(v.buffer, slots.add(v.byteOffset));
    }
    expect(used.size).to.be.at.least(2); // 300 slots span more than one 256 KiB slab
  });

  it('headroom follows the view: subviews have more, pushed views less; foreign memory has none', () => {
    const p = allocPacket(100);
    expect(headroomOf(p.subarray(14))).to.equal(HEADROOM + 14);
    expect(headroomOf(sliceView(p, 20, 60))).to.equal(HEADROOM + 20);
    const pushed = pushHeader(p, 50);
    expect(pushed.length).to.equal(150);
    expect(headroomOf(pushed)).to.equal(HEADROOM - 50);
    expect(headroomOf(pushHeader(pushed, HEADROOM - 50))).to.equal(0);
    expect(headroomOf(new Uint8Array(2000).subarray(500))).to.equal(0);
    expect(headroomOf(Buffer.alloc(100).subarray(20))).to.equal(0);
    expect(headroomOf(new Uint8Array(p.buffer.slice(0)).subarray(200))).to.equal(0); // a copy of a slab is not a slab
  });

  it('a packet too big for a slot is a plain array without headroom', () => {
    const big = allocPacket(SLOT_SIZE - HEADROOM + 1);
    expect(big.length).to.equal(SLOT_SIZE - HEADROOM + 1);
    expect(headroomOf(big)).to.equal(0);
  });

  it('prependSpace writes in front when there is room and copies behind new space when there is not', () => {
    const p = allocPacket(4);
    p.set([1, 2, 3, 4]);
    const inPlace = prependSpace(p, 14, headroomOf(p));
    expect(inPlace.buffer).to.equal(p.buffer);
    expect(inPlace.byteOffset).to.equal(p.byteOffset - 14);
    expect([...inPlace.subarray(14)]).to.deep.equal([1, 2, 3, 4]);

    const plain = Uint8Array.from([5, 6, 7]);
    const copied = prependSpace(plain, 36, headroomOf(plain));
    expect(copied.buffer).to.not.equal(plain.buffer);
    expect(copied.length).to.equal(39);
    expect([...copied.subarray(36)]).to.deep.equal([5, 6, 7]);
    expect(headroomOf(copied)).to.equal(HEADROOM); // the copy has headroom for the next layer

    // Headroom the caller knows about (a received frame's own header) is used even outside the pool.
    const frame = Buffer.from([0xaa, 0xbb, 9, 9]);
    const grown = prependSpace(frame.subarray(2), 2, 2);
    expect(grown.buffer).to.equal(frame.buffer);
    expect([...grown]).to.deep.equal([0xaa, 0xbb, 9, 9]);
  });

  it('sliceView is a plain Uint8Array even over a Buffer', () => {
    const b = Buffer.from([0, 1, 2, 3, 4, 5]);
    const v = sliceView(b, 2, 5);
    expect(Buffer.isBuffer(v)).to.equal(false);
    expect([...v]).to.deep.equal([2, 3, 4]);
    expect(v.buffer).to.equal(b.buffer);
  });

  it('stackNow reads a real clock once per backlog drain and a fake clock every time', () => {
    const real = new RealClock();
    const fake = new FakeClock();
    const seen: number[] = [];
    netifRx({
      backlogReceive: () => {
        seen.push(stackNow(real));
        const until = Date.now() + 3;
        while (Date.now() < until) { /* let real time pass */ }
        seen.push(stackNow(real));
        seen.push(stackNow(fake));
        fake.advance(5);
        seen.push(stackNow(fake));
      },
    }, new Uint8Array(0));
    expect(seen[0]).to.equal(seen[1]);
    expect(seen[3]! - seen[2]!).to.equal(5);
    expect(stackNow(real)).to.be.at.least(seen[0]! + 3); // outside a drain: fresh
  });
});
