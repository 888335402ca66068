import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { copiedOptions, fragmentIpv4 } from '../../src/net/ipv4-fragment.js';
import { type ExpiredReassembly, FRAGMENT_OVERHEAD, Reassembler } from '../../src/net/ipv4-reassembly.js';
import { IPPROTO_UDP, type Ipv4HeaderInit, decodeIpv4, encodeIpv4 } from '../../src/net/ipv4.js';
import { Rng, hex, sameBytes, toHex } from './support.js';

const SRC = ipv4('10.244.1.2');
const DST = ipv4('10.244.2.3');

function datagram(payloadLength: number, extra: Partial<Ipv4HeaderInit> = {}, seed = 1): Uint8Array {
  return encodeIpv4({ src: SRC, dst: DST, protocol: IPPROTO_UDP, id: 0x4242, ...extra }, new Rng(seed).bytes(payloadLength));
}

function fragmentsOf(packet: Uint8Array, mtu: number): Uint8Array[] {
  const r = fragmentIpv4(packet, mtu);
  if (!r.ok) throw r.error;
  return r.value;
}

class FakeClock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

/** Pushes every fragment, expects exactly the last push to complete, returns the datagram. */
function reassembleAll(r: Reassembler, fragments: Uint8Array[]): Uint8Array | null {
  let done: Uint8Array | null = null;
  for (const f of fragments) {
    const res = r.push(f);
    if (res.ok && res.value !== null) {
      expect(done, 'completed twice').to.equal(null);
      done = res.value;
    }
  }
  return done;
}

describe('net/ipv4 fragmentation', () => {
  for (const mtu of [1400, 576, 68]) {
    it(`splits a 4000-byte payload at MTU ${mtu} per RFC 791`, () => {
      const original = datagram(4000);
      const frags = fragmentsOf(original, mtu);
      const perFragment = Math.floor((mtu - 20) / 8) * 8;
      expect(frags.length).to.equal(Math.ceil(4000 / perFragment));
      let expectedOffset = 0;
      frags.forEach((f, i) => {
        expect(f.length).to.be.at.most(mtu);
        const d = decodeIpv4(f);
        expect(d.ok).to.equal(true);
        if (!d.ok) return;
        expect(d.value.fragmentOffset).to.equal(expectedOffset);
        expect(d.value.fragmentOffset % 8).to.equal(0);
        expect(d.value.moreFragments).to.equal(i < frags.length - 1);
        expect(d.value.id).to.equal(0x4242);
        if (i < frags.length - 1) expect(d.value.payload.length).to.equal(perFragment);
        expectedOffset += d.value.payload.length;
      });
      expect(expectedOffset).to.equal(4000);
    });
  }

  it('produces the exact MTU-68 first fragment bytes', () => {
    const frags = fragmentsOf(datagram(4000), 68);
    // 48 data bytes, MF set, offset 0, total length 68.
    expect(toHex(frags[0]!.subarray(0, 8))).to.equal('4500004442422000');
    expect(toHex(frags[1]!.subarray(6, 8))).to.equal('2006'); // MF + offset 6 (48 bytes / 8)
    expect(toHex(frags.at(-1)!.subarray(6, 8))).to.equal('01f2'); // MF clear, offset 3984 / 8 = 498
  });

  it('returns a fitting datagram unchanged', () => {
    const p = datagram(100);
    const frags = fragmentsOf(p, 1500);
    expect(frags).to.have.length(1);
    expect(sameBytes(frags[0]!, p)).to.equal(true);
  });

  it('refuses with ERR_FRAG_NEEDED when DF is set and the datagram does not fit', () => {
    const r = fragmentIpv4(datagram(4000, { dontFragment: true }), 1400);
    expect(!r.ok && r.error.code).to.equal('ERR_FRAG_NEEDED');
    expect(fragmentIpv4(datagram(1000, { dontFragment: true }), 1400).ok).to.equal(true);
  });

  it('refuses an MTU that leaves no room for 8 data bytes', () => {
    const r = fragmentIpv4(datagram(100), 27);
    expect(!r.ok && r.error.code).to.equal('ERR_BAD_LENGTH');
  });

  it('copies only options with the copied flag into later fragments', () => {
    // Router Alert (0x94, copied) + Record Route (0x07, not copied, 7 bytes) + EOL
    const options = hex('94040000 07070400000000 00');
    const copied = copiedOptions(options);
    expect(copied.ok && toHex(copied.value)).to.equal('94040000');
    const frags = fragmentsOf(datagram(400, { options }), 200);
    const first = decodeIpv4(frags[0]!);
    const second = decodeIpv4(frags[1]!);
    expect(first.ok && first.value.headerLength).to.equal(32); // 12 option bytes kept whole
    expect(second.ok && toHex(second.value.options)).to.equal('94040000');
    expect(reassembleAll(new Reassembler({ now: () => 0 }), frags)).to.satisfy((d: Uint8Array) => sameBytes(d, datagram(400, { options })));
  });

  it('rejects malformed options while fragmenting', () => {
    const r = fragmentIpv4(datagram(400, { options: hex('94 09 0000') }), 200);
    expect(!r.ok && r.error.code).to.equal('ERR_BAD_OPTION');
  });

  it('re-fragments a fragment: offsets add up and the last piece keeps MF', () => {
    const original = datagram(4000);
    const coarse = fragmentsOf(original, 1400);
    const fine = coarse.flatMap((f) => fragmentsOf(f, 576));
    expect(fine.length).to.be.greaterThan(coarse.length);
    const middle = decodeIpv4(fragmentsOf(coarse[1]!, 576).at(-1)!);
    expect(middle.ok && middle.value.moreFragments).to.equal(true);
    expect(sameBytes(reassembleAll(new Reassembler({ now: () => 0 }), new Rng(5).shuffle(fine))!, original)).to.equal(true);
  });
});

describe('net/ipv4 reassembly', () => {
  for (const mtu of [1400, 576, 68]) {
    for (const order of ['in order', 'reversed', 'shuffled', 'shuffled with duplicates'] as const) {
      it(`reassembles a 4000-byte payload fragmented at MTU ${mtu}, ${order}`, () => {
        const original = datagram(4000, { dontFragment: false, ttl: 17 });
        let frags = fragmentsOf(original, mtu);
        const rng = new Rng(mtu);
        if (order === 'reversed') frags = frags.reverse();
        if (order === 'shuffled') frags = rng.shuffle(frags);
        if (order === 'shuffled with duplicates') frags = rng.shuffle([...frags, ...frags.filter(() => rng.bool())]);
        const clock = new FakeClock();
        const r = new Reassembler({ now: clock.now });
        const done = reassembleAll(r, frags);
        expect(done).to.not.equal(null);
        expect(sameBytes(done!, original)).to.equal(true);
        expect(r.stats.reassembled).to.equal(1);
        // Duplicates arriving after completion open a new reassembly that can only time out.
        clock.ms += 30_000;
        r.expire(clock.ms);
        expect(r.inFlight).to.equal(0);
        expect(r.bufferedBytes).to.equal(0);
      });
    }
  }

  it('passes unfragmented datagrams straight through', () => {
    const r = new Reassembler({ now: () => 0 });
    const p = datagram(100);
    const res = r.push(p);
    expect(res.ok && res.value !== null && sameBytes(res.value, p)).to.equal(true);
    expect(r.inFlight).to.equal(0);
  });

  it('keeps separate datagrams (different id) apart while interleaved', () => {
    const a = datagram(3000, { id: 1 }, 11);
    const b = datagram(3000, { id: 2 }, 12);
    const r = new Reassembler({ now: () => 0 });
    const mixed = new Rng(7).shuffle([...fragmentsOf(a, 576), ...fragmentsOf(b, 576)]);
    const done = mixed.map((f) => r.push(f)).flatMap((res) => (res.ok && res.value !== null ? [res.value] : []));
    expect(done).to.have.length(2);
    expect(done.some((d) => sameBytes(d, a)) && done.some((d) => sameBytes(d, b))).to.equal(true);
  });

  it('ignores an exact duplicate and counts it', () => {
    const frags = fragmentsOf(datagram(2000), 576);
    const r = new Reassembler({ now: () => 0 });
    r.push(frags[0]!);
    const dup = r.push(frags[0]!);
    expect(!dup.ok && dup.error.code).to.equal('ERR_FRAG_DUPLICATE');
    expect(r.stats.duplicates).to.equal(1);
    expect(reassembleAll(r, frags.slice(1))).to.not.equal(null);
  });

  it('drops the whole datagram on a partial overlap (teardrop-style) and counts it', () => {
    const original = datagram(2000);
    const frags = fragmentsOf(original, 576); // 552 data bytes each
    const r = new Reassembler({ now: () => 0 });
    r.push(frags[0]!);
    // A forged fragment at offset 544 (inside the first one's 0..552) carrying 16 bytes.
    const forged = encodeIpv4({ src: SRC, dst: DST, protocol: IPPROTO_UDP, id: 0x4242, moreFragments: true, fragmentOffset: 544 }, new Uint8Array(16));
    const res = r.push(forged);
    expect(!res.ok && res.error.code).to.equal('ERR_FRAG_OVERLAP');
    expect(r.stats.overlaps).to.equal(1);
    expect(r.inFlight).to.equal(0);
    expect(r.bufferedBytes).to.equal(0);
    // The rest alone can no longer complete it.
    expect(reassembleAll(r, frags.slice(1))).to.equal(null);
  });

  it('drops a datagram whose last fragment contradicts its known end', () => {
    const frags = fragmentsOf(datagram(2000), 576);
    const r = new Reassembler({ now: () => 0 });
    r.push(frags.at(-1)!);
    const other = encodeIpv4({ src: SRC, dst: DST, protocol: IPPROTO_UDP, id: 0x4242, fragmentOffset: 552 }, new Uint8Array(8));
    const res = r.push(other);
    expect(!res.ok && res.error.code).to.equal('ERR_BAD_LENGTH');
    expect(r.inFlight).to.equal(0);
    expect(r.stats.malformed).to.equal(1);
  });

  it('drops a datagram that would exceed 65535 bytes once the first fragment\'s longer header is added', () => {
    const r = new Reassembler({ now: () => 0 });
    const options = new Uint8Array(40).fill(1); // 40 bytes of NOP in the first fragment only
    const base = { src: SRC, dst: DST, protocol: IPPROTO_UDP, id: 77 };
    const first = encodeIpv4({ ...base, options, moreFragments: true }, new Uint8Array(32_768));
    const last = encodeIpv4({ ...base, fragmentOffset: 32_768 }, new Uint8Array(65_535 - 20 - 32_768));
    expect(r.push(first).ok).to.equal(true);
    const res = r.push(last);
    expect(!res.ok && res.error.code).to.equal('ERR_BAD_LENGTH');
    expect(r.inFlight).to.equal(0);
    expect(r.bufferedBytes).to.equal(0);
  });

  it('rejects a non-last fragment whose length is not a multiple of 8', () => {
    const r = new Reassembler({ now: () => 0 });
    const res = r.push(encodeIpv4({ src: SRC, dst: DST, protocol: 17, id: 9, moreFragments: true }, new Uint8Array(12)));
    expect(!res.ok && res.error.code).to.equal('ERR_BAD_LENGTH');
    expect(r.inFlight).to.equal(0);
  });

  it('expires an incomplete datagram 30 s after its first fragment (injected clock)', () => {
    const clock = new FakeClock();
    const expired: ExpiredReassembly[] = [];
    const r = new Reassembler({ now: clock.now, onExpire: (e) => expired.push(e) });
    const frags = fragmentsOf(datagram(2000), 576);
    r.push(frags[0]!);
    clock.ms += 29_999;
    expect(r.expire(clock.ms)).to.equal(0);
    r.push(frags[1]!); // a later fragment does not extend the deadline
    clock.ms += 1;
    expect(r.expire(clock.ms)).to.equal(1);
    expect(r.inFlight).to.equal(0);
    expect(r.stats.timeouts).to.equal(1);
    expect(expired).to.have.length(1);
    expect(expired[0]!.id).to.equal(0x4242);
    expect(expired[0]!.firstFragment).to.have.length(28); // header + 8 bytes to quote in ICMP time exceeded
    // Late fragments start a fresh reassembly that cannot complete without the expired ones.
    expect(reassembleAll(r, frags.slice(2))).to.equal(null);
  });

  it('expires on insert too, without an explicit expire call', () => {
    const clock = new FakeClock();
    const r = new Reassembler({ now: clock.now, timeoutMs: 1000 });
    r.push(fragmentsOf(datagram(2000, { id: 1 }), 576)[0]!);
    clock.ms += 1000;
    r.push(fragmentsOf(datagram(2000, { id: 2 }), 576)[0]!);
    expect(r.stats.timeouts).to.equal(1);
    expect(r.inFlight).to.equal(1);
  });

  it('caps the number of in-flight datagrams', () => {
    const r = new Reassembler({ now: () => 0, maxReassemblies: 4 });
    for (let id = 0; id < 10; id++) r.push(fragmentsOf(datagram(1000, { id }), 576)[0]!);
    expect(r.inFlight).to.equal(4);
    expect(r.stats.overLimit).to.equal(6);
    const res = r.push(fragmentsOf(datagram(1000, { id: 99 }), 576)[0]!);
    expect(!res.ok && res.error.code).to.equal('ERR_FRAG_LIMIT');
    // Fragments of datagrams already in flight are still accepted.
    expect(reassembleAll(r, fragmentsOf(datagram(1000, { id: 2 }), 576).slice(1))).to.not.equal(null);
  });

  it('caps buffered bytes (a flood of tiny fragments cannot exhaust memory)', () => {
    const maxBytes = 10_000;
    const r = new Reassembler({ now: () => 0, maxBytes, maxReassemblies: 100_000 });
    const rng = new Rng(9);
    for (let i = 0; i < 5000; i++) {
      r.push(encodeIpv4({ src: rng.uint(32), dst: DST, protocol: 17, id: rng.uint(16), moreFragments: true, fragmentOffset: 8 * rng.int(100) }, new Uint8Array(8)));
      expect(r.bufferedBytes).to.be.at.most(maxBytes);
    }
    expect(r.stats.overLimit).to.be.greaterThan(4000);
    expect(r.bufferedBytes).to.be.greaterThan(maxBytes - 2 * (8 + FRAGMENT_OVERHEAD) - 100);
  });

  it('caps fragments per datagram and drops that datagram', () => {
    const r = new Reassembler({ now: () => 0, maxFragmentsPerDatagram: 10 });
    const frags = fragmentsOf(datagram(4000), 68);
    for (const f of frags.slice(0, 10)) expect(r.push(f).ok).to.equal(true);
    const res = r.push(frags[10]!);
    expect(!res.ok && res.error.code).to.equal('ERR_FRAG_LIMIT');
    expect(r.inFlight).to.equal(0);
  });

  it('copies fragment data, so reusing the receive buffer is safe', () => {
    const original = datagram(2000);
    const frags = fragmentsOf(original, 576);
    const r = new Reassembler({ now: () => 0 });
    const rxBuffer = new Uint8Array(1500);
    let done: Uint8Array | null = null;
    for (const f of frags) {
      rxBuffer.set(f);
      const res = r.push(rxBuffer.subarray(0, f.length));
      rxBuffer.fill(0xee);
      if (res.ok && res.value !== null) done = res.value;
    }
    expect(done !== null && sameBytes(done, original)).to.equal(true);
  });

  it('counts malformed input and never throws', () => {
    const r = new Reassembler({ now: () => 0 });
    const res = r.push(new Uint8Array(5));
    expect(!res.ok && res.error.code).to.equal('ERR_TRUNCATED');
    expect(r.stats.malformed).to.equal(1);
  });

  it('survives 20,000 random fragments of random datagrams without throwing or leaking', () => {
    const clock = new FakeClock();
    const r = new Reassembler({ now: clock.now, maxReassemblies: 64, maxBytes: 256 * 1024 });
    const rng = new Rng(99);
    let completedFromFragments = 0;
    for (let i = 0; i < 20_000; i++) {
      clock.ms += rng.int(50);
      const start = 8 * rng.int(200);
      const length = rng.bool() ? 8 * (1 + rng.int(40)) : rng.int(300);
      const more = rng.int(4) !== 0;
      const p = encodeIpv4({ src: SRC, dst: DST, protocol: 17, id: rng.int(32), moreFragments: more, fragmentOffset: start }, rng.bytes(length));
      const res = r.push(p);
      if (res.ok && res.value !== null && (more || start !== 0)) {
        completedFromFragments++;
        const d = decodeIpv4(res.value);
        expect(d.ok && !d.value.moreFragments && d.value.fragmentOffset === 0).to.equal(true);
      }
      if (!res.ok) expect(res.error.code).to.match(/^ERR_/);
    }
    const s = r.stats;
    expect(s.duplicates + s.overlaps + s.malformed + s.timeouts).to.be.greaterThan(0);
    expect(completedFromFragments).to.equal(s.reassembled);
    clock.ms += 60_000;
    r.expire(clock.ms);
    expect(r.inFlight).to.equal(0);
    expect(r.bufferedBytes).to.equal(0);
  });
});
