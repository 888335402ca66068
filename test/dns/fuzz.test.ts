/**
 * 100,000 random and mutated packets at the real UDP listener (and a share of them over TCP):
 * the server must not crash, must account for every packet (a reply or a counted drop), and must
 * still answer correctly afterwards.
 */
import { expect } from 'chai';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Answer, RecordType } from 'dns-packet';
import { RealClock } from '../../src/util/clock.js';
import { ClusterDns } from '../../src/dns/cluster-dns.js';
import { query, rr, startFixture, type DnsFixture } from './fixture.js';
import { OBJECTS } from './objects.js';
import { startUpstream, type FakeUpstream } from './upstream.js';
import { tcpAsk, u16, udpAsk } from './sockets.js';

const TOTAL = 100_000;
const TCP_SHARE = 2_000;

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const SEEDS: Buffer[] = (
  [
    ['svc1.testns.svc.cluster.local', 'A'],
    ['_http._tcp.hdls1.testns.svc.cluster.local', 'SRV'],
    ['big.testns.svc.cluster.local', 'A'],
    ['100.0.96.10.in-addr.arpa', 'PTR'],
    ['ext.testns.svc.cluster.local', 'CNAME'],
    ['dns-version.cluster.local', 'TXT'],
    ['www.example.org', 'AAAA'],
  ] as [string, RecordType][]
).flatMap(([n, t]) => [query(n, t), query(n, t, { edns: 1232, do: true })]);

function packet(rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  if (rand() < 0.3) return Buffer.from(Array.from({ length: int(300) }, () => int(256)));
  const p = Buffer.from(SEEDS[int(SEEDS.length)]!);
  const mode = int(4);
  if (mode === 0) return p.subarray(0, int(p.length + 1)); // truncated anywhere
  if (mode === 1) return Buffer.concat([p, Buffer.from(Array.from({ length: 1 + int(40) }, () => int(256)))]);
  for (let i = 0, n = 1 + int(4); i < n; i++) p[int(p.length)] = int(256); // flipped bytes (header too)
  if (mode === 3) p.writeUInt16BE(int(65536), 4 + 2 * int(4)); // a section count
  return p;
}

describe('dns server fuzz', function () {
  this.timeout(180_000);
  let fx: DnsFixture;
  let up: FakeUpstream;
  let dns: ClusterDns;
  let port: number;

  before(async () => {
    fx = await startFixture(OBJECTS);
    // The upstream answers NXDOMAIN at once, so forwarded fuzz does not wait on timeouts.
    up = await startUpstream((q) => ({ id: q.id, type: 'response', flags: 3, questions: q.questions }));
    dns = new ClusterDns({ factory: fx.factory, clock: new RealClock(), dnsDomain: 'cluster.local', dns: { upstreams: [`127.0.0.1:${up.port}`], cacheSeconds: 30, ttl: 30 } });
    port = (await dns.start()).udpPort;
  });
  after(async () => {
    await dns.stop();
    await up.close();
    await fx.close();
  });

  it(`survives ${TOTAL.toLocaleString('en')} random and mutated packets and still answers`, async () => {
    const rand = prng(20260101);
    const client = dgram.createSocket('udp4');
    client.on('message', () => undefined);
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const settled = () => {
      const c = dns.counters();
      return c.dropped + Object.values(c.replies).reduce((a, b) => a + b, 0);
    };
    const start = dns.counters().received;
    const udpCount = TOTAL - TCP_SHARE;
    for (let sent = 0; sent < udpCount; ) {
      const batch = Math.min(200, udpCount - sent);
      for (let i = 0; i < batch; i++) client.send(packet(rand), port, '127.0.0.1');
      sent += batch;
      // Pace on the server's own count so the kernel never drops (every packet must be accounted).
      const deadline = Date.now() + 10_000;
      while (dns.counters().received - start < sent || settled() - start < sent) {
        if (Date.now() > deadline) throw new Error(`server stuck: received ${dns.counters().received - start}/${sent}`);
        await new Promise((r) => setImmediate(r));
      }
    }
    client.close();

    // The TCP share: random frames on one connection, then garbage that ends it.
    const frames = Array.from({ length: TCP_SHARE }, () => packet(rand));
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.write(Buffer.concat(frames.flatMap((f) => [u16(f.length), f])));
        c.end(Buffer.from([0xff]));
      });
      c.on('data', () => undefined);
      c.on('close', () => resolve());
      c.on('error', reject);
    });
    const deadline = Date.now() + 10_000;
    while (settled() - start < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    const c = dns.counters();
    expect(c.received - start, 'every packet reached the server').to.equal(TOTAL);
    expect(settled() - start, 'every packet was answered or counted as dropped').to.equal(TOTAL);
    expect(c.formerr, 'FORMERR counted').to.be.greaterThan(1000);
    expect(c.dropped, 'drops counted').to.be.greaterThan(1000);

    // Still correct afterwards, over both transports (TTLs may have run down in the cache).
    const noTTL = (a: Answer) => rr({ ...a, ttl: 0 } as Answer);
    const udp = await udpAsk(port, query('svc1.testns.svc.cluster.local', 'A'));
    expect(udp.answers!.map(noTTL)).to.deep.equal(['svc1.testns.svc.cluster.local. 0 IN A 10.96.0.100']);
    const [tcp] = await tcpAsk(port, [query('web-0.web.testns.svc.cluster.local', 'A')]);
    expect(tcp!.answers!.map(noTTL)).to.deep.equal(['web-0.web.testns.svc.cluster.local. 0 IN A 10.244.2.10']);
  });
});
