/**
 * The pure measuring parts of a scenario run: finding a pod's packet inside the frame on the
 * underlay (so overhead is a difference of two measured lengths), counting BGP messages in a TCP
 * byte stream split anyhow across segments, the steady TCP rate, when traffic came back after a
 * node stop, percentiles, and asserts judging step results.
 */
import { expect } from 'chai';
import { buildIcmpEcho, ipv4, writeU16, writeU32 } from '../../src/net/index.js';
import { BgpWireCounter } from '../../src/scenario/measure/bgp-wire.js';
import { percentile, summarize, tally } from '../../src/scenario/measure/stats.js';
import { IPPROTO_ICMP, observeFrame } from '../../src/scenario/measure/wire.js';
import { evaluateAssert } from '../../src/scenario/steps/assert.js';
import { restoredAt } from '../../src/scenario/steps/faults.js';
import { autoWindow, steadyMbps } from '../../src/scenario/steps/tcp.js';
import type { AssertStep } from '../../src/topology/scenario-types.js';
import type { HttpRequestRecord, StepResult } from '../../src/scenario/types.js';

const POD_A = ipv4('10.244.2.5');
const POD_B = ipv4('10.244.3.7');
const NODE_A = ipv4('172.18.1.2');
const NODE_B = ipv4('172.18.1.3');

function ether(payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  writeU16(f, 12, 0x0800);
  f.set(payload, 14);
  return f;
}

function ipHeader(src: number, dst: number, proto: number, payloadLength: number): Uint8Array {
  const h = new Uint8Array(20);
  h[0] = 0x45;
  writeU16(h, 2, 20 + payloadLength);
  h[8] = 64;
  h[9] = proto;
  writeU32(h, 12, src);
  writeU32(h, 16, dst);
  return h;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

function udp(dstPort: number, payloadLength: number): Uint8Array {
  const u = new Uint8Array(8);
  writeU16(u, 0, 40000);
  writeU16(u, 2, dstPort);
  writeU16(u, 4, 8 + payloadLength);
  return u;
}

describe('observeFrame: a pod packet on the underlay', () => {
  const inner = buildIcmpEcho({ src: POD_A, dst: POD_B, echoId: 1, seq: 1, payload: new Uint8Array(56) });

  it('host-gw: the packet itself, no overhead', () => {
    expect(observeFrame(ether(inner), POD_A, POD_B, IPPROTO_ICMP)).to.deep.equal({ innerBytes: 84, outerBytes: 84, overhead: 0, encapsulation: 'none', port: null });
  });

  it('VXLAN: outer IPv4 + UDP 8472 + VXLAN + inner Ethernet = 50 bytes', () => {
    const vxlan = new Uint8Array(8);
    vxlan[0] = 0x08;
    const innerFrame = ether(inner);
    const frame = ether(concat(ipHeader(NODE_A, NODE_B, 17, 8 + 8 + innerFrame.length), udp(8472, 8 + innerFrame.length), vxlan, innerFrame));
    expect(observeFrame(frame, POD_A, POD_B, IPPROTO_ICMP)).to.deep.equal({ innerBytes: 84, outerBytes: 134, overhead: 50, encapsulation: 'vxlan', port: 8472 });
  });

  it('flannel udp: outer IPv4 + UDP 8285 = 28 bytes', () => {
    const frame = ether(concat(ipHeader(NODE_A, NODE_B, 17, 8 + inner.length), udp(8285, inner.length), inner));
    expect(observeFrame(frame, POD_A, POD_B, IPPROTO_ICMP)).to.deep.equal({ innerBytes: 84, outerBytes: 112, overhead: 28, encapsulation: 'udp', port: 8285 });
  });

  it('IP-in-IP: one more IPv4 header = 20 bytes', () => {
    const frame = ether(concat(ipHeader(NODE_A, NODE_B, 4, inner.length), inner));
    expect(observeFrame(frame, POD_A, POD_B, IPPROTO_ICMP)).to.deep.equal({ innerBytes: 84, outerBytes: 104, overhead: 20, encapsulation: 'ipip', port: null });
  });

  it('does not match other packets, and short or odd frames never throw', () => {
    expect(observeFrame(ether(inner), POD_B, POD_A, IPPROTO_ICMP)).to.equal(undefined);
    expect(observeFrame(ether(inner), POD_A, POD_B, 6)).to.equal(undefined);
    for (let n = 0; n < 40; n++) expect(observeFrame(ether(inner).subarray(0, n), POD_A, POD_B, IPPROTO_ICMP)).to.equal(undefined);
    const arp = ether(inner);
    writeU16(arp, 12, 0x0806);
    expect(observeFrame(arp, POD_A, POD_B, IPPROTO_ICMP)).to.equal(undefined);
  });
});

function bgpMessage(type: number, bodyLength: number): Uint8Array {
  const m = new Uint8Array(19 + bodyLength).fill(0);
  m.fill(0xff, 0, 16);
  writeU16(m, 16, 19 + bodyLength);
  m[18] = type;
  return m;
}

function tcpFrame(srcPort: number, dstPort: number, seq: number, payload: Uint8Array): Uint8Array {
  const tcp = new Uint8Array(20);
  writeU16(tcp, 0, srcPort);
  writeU16(tcp, 2, dstPort);
  writeU32(tcp, 4, seq);
  tcp[12] = 5 << 4;
  return ether(concat(ipHeader(NODE_A, NODE_B, 6, 20 + payload.length), tcp, payload));
}

describe('BgpWireCounter: BGP messages from TCP segments', () => {
  it('counts messages split across segments once each, keeps retransmissions out, and tells setup from periodic keepalives', () => {
    let now = 1000;
    const c = new BgpWireCounter({ now: () => now });
    const stream = concat(bgpMessage(1, 10), bgpMessage(4, 0), bgpMessage(2, 30), bgpMessage(4, 0), bgpMessage(4, 0));
    // Cut at awkward places: inside a marker, inside a length field.
    const cuts = [0, 7, 30, 47, 80, stream.length];
    let seq = 5000;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const part = stream.subarray(cuts[i], cuts[i + 1]);
      now += 10;
      c.frame(tcpFrame(40001, 179, seq, part));
      if (i === 1) c.frame(tcpFrame(40001, 179, seq, part)); // the same segment again: a retransmission
      seq += part.length;
    }
    c.frame(tcpFrame(40001, 8080, 1, bgpMessage(4, 0))); // not BGP
    const t = c.traffic();
    expect(t.messages).to.equal(5);
    expect(t.bytes).to.equal(stream.length);
    expect(t.byType).to.deep.equal({ OPEN: 1, KEEPALIVE: 3, UPDATE: 1 });
    // OPEN, the first KEEPALIVE (confirming the OPEN) and the UPDATE are setup; later keepalives are periodic.
    expect([t.setupMessages, t.setupBytes]).to.deep.equal([3, 29 + 19 + 49]);
    expect(t.lastUpdateAt).to.be.a('number');
    expect(c.traffic(1000).messages).to.equal(0);
  });

  it('resynchronises after garbage instead of counting it', () => {
    const c = new BgpWireCounter({ now: () => 0 });
    c.frame(tcpFrame(179, 40002, 1, new Uint8Array(40).fill(7)));
    c.frame(tcpFrame(179, 40002, 41, bgpMessage(4, 0)));
    expect(c.traffic().messages).to.equal(1);
  });
});

describe('steady TCP rate, restored traffic, statistics', () => {
  it('fits the rate after the first quarter and ignores one stall', () => {
    // 1,250 bytes a millisecond = 10 Mbit/s, with a 200 ms stall in the middle of the third part.
    const samples: [number, number][] = [];
    let t = 0;
    for (let b = 0; b <= 1_000_000; b += 12_500) {
      samples.push([t, b]);
      t += b === 600_000 ? 210 : 10;
    }
    expect(steadyMbps(samples, 1_000_000)).to.equal(10);
    expect(steadyMbps(samples.slice(0, 3), 1_000_000)).to.equal(null);
  });

  it('sizes the window to three quarters of a tbf queue', () => {
    expect(autoWindow(null)).to.equal(null);
    expect(autoWindow(10)).to.equal(Math.floor(62_500 * 0.75 * (1460 / 1514)));
    expect(autoWindow(1)).to.equal(16 * 1024);
  });

  it('says when traffic came back: the first success after the last failure, three in a row', () => {
    const r = (startMs: number, ok: boolean): HttpRequestRecord => ({ startMs, endMs: startMs + 5, ok, status: ok ? 200 : null, answer: ok ? 'web-1' : 'timeout' });
    expect(restoredAt([r(0, true), r(100, false), r(150, true), r(200, false), r(250, true), r(300, true), r(350, true)], 50)).to.equal(250);
    expect(restoredAt([r(100, false), r(150, true), r(200, true)], 50)).to.equal(null);
    expect(restoredAt([r(100, true), r(150, true)], 50)).to.equal(50); // never disrupted
    expect(restoredAt([], 50)).to.equal(null);
  });

  it('nearest-rank percentiles and summaries', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100), percentile([], 50)]).to.deep.equal([50, 99, 100, undefined]);
    expect(summarize([3, 1, 2])).to.deep.equal({ samples: 3, min: 1, p50: 2, p99: 3, max: 3, mean: 2 });
    expect(tally(['b', 'a', 'b'])).to.deep.equal({ b: 2, a: 1 });
  });
});

describe('evaluateAssert', () => {
  const step = (over: Partial<AssertStep>): AssertStep => ({
    step: 'assert', name: null, line: 1, col: 1, of: 'x', reachable: null, latencyUnder: null, successRate: null, allEndpointsHit: null, pairs: null, ...over,
  });
  const result = (data: StepResult['data']): StepResult => ({
    index: 0, step: data?.kind === 'reachability' ? 'reachability' : 'http', label: 'x', where: 'f:1:1', status: 'ok', summary: '', startedMs: 0, durationMs: 1, background: false, data,
  });
  const place = (node: string) => ({ target: `node/${node}`, ip: '1.2.3.4', node, subnet: 's' });
  const http = result({
    kind: 'http', from: place('a'), to: { ...place('b'), port: 80 }, requests: 10, succeeded: 9,
    latencyMs: { samples: 9, min: 1, p50: 2, p99: 8, max: 8, mean: 3 },
    spread: { expected: ['web-1', 'web-2'], hits: { 'web-1': 9 }, missing: ['web-2'] }, errors: {}, log: [],
  });

  it('judges each condition on the measured figure', () => {
    const data = evaluateAssert(step({ reachable: true, latencyUnder: 5, successRate: 0.9, allEndpointsHit: true }), http);
    expect(data.checks.map((c) => [c.check, c.ok, c.detail])).to.deep.equal([
      ['reachable', true, '9/10 answered'],
      ['latency p99 < 5 ms', false, 'p99 8 ms'],
      ['success rate ≥ 90%', true, '9/10 (90%)'],
      ['all endpoints hit', false, '1/2 endpoints answered (never: web-2)'],
    ]);
  });

  it('checks only the pairs of a path in a reachability matrix', () => {
    const cell = (from: string, to: string, path: 'cross-node' | 'cross-subnet', ok: boolean) => ({
      from: place(from), to: place(to), path, ok, received: ok ? 3 : 0, sent: 3, rttMs: ok ? 1 : null, reason: ok ? '' : 'no route',
    });
    const matrix = result({ kind: 'reachability', pods: [], cells: [cell('a', 'b', 'cross-subnet', false), cell('b', 'c', 'cross-node', true)] });
    expect(evaluateAssert(step({ reachable: false, pairs: 'cross-subnet' }), matrix).checks[0]!.ok).to.equal(true);
    expect(evaluateAssert(step({ reachable: true, pairs: 'cross-node' }), matrix).checks[0]!.ok).to.equal(true);
    expect(evaluateAssert(step({ reachable: true }), matrix).checks[0]).to.deep.include({ ok: false, detail: '1/2 pairs reachable' });
  });

  it('fails when the step has no result', () => {
    expect(evaluateAssert(step({ reachable: true }), undefined).checks).to.deep.equal([{ check: 'result', ok: false, detail: 'step "x" has no result' }]);
  });
});
