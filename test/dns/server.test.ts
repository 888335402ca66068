/**
 * The server over real sockets on 127.0.0.1: the lab's ClusterDns (default Corefile, real API,
 * a fake upstream), queried with dns-packet over UDP and TCP.
 */
import { expect } from 'chai';
import dnsPacket from 'dns-packet';
import { RealClock } from '../../src/util/clock.js';
import { InformerFactory } from '../../src/api/client/factory.js';
import type { ApiClient } from '../../src/api/client.js';
import { ClusterDns } from '../../src/dns/cluster-dns.js';
import type { DnsServerAddress } from '../../src/dns/server.js';
import { dataOf, query, rr, startFixture, type DnsFixture } from './fixture.js';
import { OBJECTS } from './objects.js';
import { answerA, startUpstream, type FakeUpstream } from './upstream.js';
import { tcpAsk, udpAsk, udpSilent } from './sockets.js';

const BIG = 'big.testns.svc.cluster.local';

describe('dns server over UDP and TCP', function () {
  let fx: DnsFixture;
  let up: FakeUpstream;
  let dns: ClusterDns;
  let addr: DnsServerAddress;

  before(async () => {
    fx = await startFixture(OBJECTS);
    up = await startUpstream((q) => answerA(q, '192.0.2.10'));
    dns = new ClusterDns({ factory: fx.factory, clock: new RealClock(), dnsDomain: 'cluster.local', dns: { upstreams: [`127.0.0.1:${up.port}`], cacheSeconds: 30, ttl: 30 } });
    addr = await dns.start();
  });
  after(async () => {
    await dns.stop();
    await up.close();
    await fx.close();
  });

  it('listens on 127.0.0.1 with one port for UDP and TCP', () => {
    expect(addr.address).to.equal('127.0.0.1');
    expect(addr.udpPort).to.be.greaterThan(0);
    expect(addr.tcpPort).to.equal(addr.udpPort);
  });

  it('answers over UDP: ID and RD echoed, AA set, no OPT without EDNS', async () => {
    const res = await udpAsk(addr.udpPort, query('svc1.testns.svc.cluster.local', 'A', { id: 999 }));
    expect(res.id).to.equal(999);
    expect(res.rcode).to.equal('NOERROR');
    expect([res.flag_qr, res.flag_aa, res.flag_rd, res.flag_tc]).to.deep.equal([true, true, true, false]);
    expect(res.answers!.map(rr)).to.deep.equal(['svc1.testns.svc.cluster.local. 30 IN A 10.96.0.100']);
    expect(res.additionals).to.deep.equal([]);
  });

  it('answers pipelined queries on one TCP connection', async () => {
    const res = await tcpAsk(addr.tcpPort, [query('svc1.testns.svc.cluster.local', 'A', { id: 1 }), query('nope.testns.svc.cluster.local', 'A', { id: 2 })]);
    const byId = new Map(res.map((r) => [r.id, r.rcode]));
    expect(byId).to.deep.equal(new Map([[1, 'NOERROR'], [2, 'NXDOMAIN']]));
  });

  it('truncates at 512 bytes without EDNS (whole records, TC set); TCP gets everything', async () => {
    const udp = await udpAsk(addr.udpPort, query(BIG, 'A'));
    expect(udp.flag_tc).to.equal(true);
    expect(udp.bytes).to.be.at.most(512);
    expect(udp.answers!.length).to.be.within(1, 29);
    // As many as fit: one more record would not have.
    expect(udp.bytes + 44).to.be.greaterThan(512);
    const [tcp] = await tcpAsk(addr.tcpPort, [query(BIG, 'A')]);
    expect(tcp!.flag_tc).to.equal(false);
    expect(tcp!.answers).to.have.length(30);
  });

  it('honours the EDNS0 buffer size and puts an OPT record in the reply', async () => {
    const large = await udpAsk(addr.udpPort, query(BIG, 'A', { edns: 4096 }));
    expect(large.flag_tc).to.equal(false);
    expect(large.answers).to.have.length(30);
    const opt = large.additionals!.find((a) => a.type === 'OPT');
    expect(opt, 'OPT in reply').to.not.equal(undefined);
    expect((opt as { udpPayloadSize: number }).udpPayloadSize).to.equal(4096);
    const mid = await udpAsk(addr.udpPort, query(BIG, 'A', { edns: 800 }));
    expect(mid.flag_tc).to.equal(true);
    expect(mid.bytes).to.be.within(800 - 44, 800);
    expect(mid.additionals!.map((a) => a.type)).to.deep.equal(['OPT']);
    const tiny = await udpAsk(addr.udpPort, query(BIG, 'A', { edns: 100 }));
    expect(tiny.bytes, 'sizes under 512 count as 512').to.be.within(512 - 44, 512);
  });

  it('echoes the DO bit in the reply OPT', async () => {
    const res = await udpAsk(addr.udpPort, query('svc1.testns.svc.cluster.local', 'A', { edns: 1232, do: true }));
    const opt = res.additionals!.find((a) => a.type === 'OPT') as { flag_do: boolean };
    expect(opt.flag_do).to.equal(true);
  });

  it('FORMERR for a readable header with a broken body, or two questions', async () => {
    const broken = Buffer.concat([query('svc1.testns.svc.cluster.local', 'A', { id: 77 }).subarray(0, 20)]);
    const res = await udpAsk(addr.udpPort, broken);
    expect([res.id, res.rcode, res.flag_rd]).to.deep.equal([77, 'FORMERR', true]);
    const two = dnsPacket.encode({ id: 78, type: 'query', questions: [{ name: 'a.example', type: 'A' }, { name: 'b.example', type: 'A' }] });
    expect((await udpAsk(addr.udpPort, two)).rcode).to.equal('FORMERR');
  });

  it('drops what has no readable header and what is a response, and counts it', async () => {
    const before = dns.counters().dropped;
    expect(await udpSilent(addr.udpPort, Buffer.from([1, 2, 3]))).to.equal(true);
    const resp = query('svc1.testns.svc.cluster.local', 'A');
    resp[2]! |= 0x80;
    expect(await udpSilent(addr.udpPort, resp)).to.equal(true);
    expect(dns.counters().dropped - before).to.equal(2);
  });

  it('NOTIMP for other opcodes, BADVERS for EDNS versions above 0, REFUSED for class CH', async () => {
    const status = query('svc1.testns.svc.cluster.local', 'A');
    status[2]! |= 2 << 3; // opcode STATUS
    expect((await udpAsk(addr.udpPort, status)).rcode).to.equal('NOTIMP');
    const v1 = dnsPacket.encode({
      id: 5,
      type: 'query',
      questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }],
      additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }],
    });
    const bad = await udpAsk(addr.udpPort, v1);
    expect((bad.additionals!.find((a) => a.type === 'OPT') as { extendedRcode: number }).extendedRcode, 'BADVERS = 16 = 1<<4').to.equal(1);
    expect((await udpAsk(addr.udpPort, query('version.bind', 'TXT', { qclass: 'CH' }))).rcode).to.equal('REFUSED');
  });

  it('forwards names outside the cluster zone to the upstream and caches the answer', async () => {
    const before = up.queries.length;
    for (let i = 0; i < 3; i++) {
      const res = await udpAsk(addr.udpPort, query('www.example.org', 'A'));
      expect(res.answers!.map(dataOf)).to.deep.equal(['192.0.2.10']);
      expect(res.flag_aa).to.equal(false);
    }
    expect(up.queries.length - before).to.equal(1);
  });

  it('rotates headless answers between queries (loadbalance)', async () => {
    const first = async () => (await tcpAsk(addr.tcpPort, [query(BIG, 'A')]))[0]!.answers!.map(dataOf)[0];
    expect(new Set([await first(), await first(), await first()]).size).to.equal(3);
  });

  it('exposes health, ready and counters', () => {
    expect(dns.health()).to.deep.equal({ status: 200, body: 'OK' });
    expect(dns.ready()).to.deep.equal({ status: 200, body: 'OK' });
    const c = dns.counters();
    expect(c.received).to.be.greaterThan(10);
    expect(c.replies.NOERROR).to.be.greaterThan(5);
    expect(c.truncated).to.be.greaterThan(0);
    expect(c.tcpConnections).to.be.greaterThan(0);
  });
});

describe('dns server before the API answers', () => {
  it('listens after syncTimeoutMs anyway: ready is 503 and name errors are SERVFAIL', async () => {
    // A client whose LIST never returns: the informers never sync.
    const stuck = { list: () => new Promise(() => undefined) } as unknown as ApiClient;
    const factory = new InformerFactory(stuck, new RealClock());
    const dns = new ClusterDns({ factory, clock: new RealClock(), dnsDomain: 'cluster.local', dns: { upstreams: [], cacheSeconds: 30, ttl: 30 }, syncTimeoutMs: 50 });
    const { udpPort } = await dns.start();
    try {
      expect(dns.ready()).to.deep.equal({ status: 503, body: 'kubernetes' });
      expect((await udpAsk(udpPort, query('svc1.testns.svc.cluster.local', 'A'))).rcode).to.equal('SERVFAIL');
    } finally {
      await dns.stop();
      factory.stop();
    }
  });
});
