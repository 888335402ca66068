/** The small plugins: cache (on a FakeClock), loadbalance, errors, log, health and ready. */
import { expect } from 'chai';
import type { Answer } from 'dns-packet';
import { FakeClock } from '../../src/util/clock.js';
import { compose, emptyResponse, Rcode, type DnsResponse, type Handler } from '../../src/dns/types.js';
import { cache } from '../../src/dns/plugins/cache.js';
import { loadbalance } from '../../src/dns/plugins/loadbalance.js';
import { errors } from '../../src/dns/plugins/errors.js';
import { log } from '../../src/dns/plugins/log.js';
import { healthProbe, readyProbe } from '../../src/dns/plugins/health.js';
import { ask, rr, ttlOf } from './fixture.js';

const a = (name: string, ip: string, ttl = 30): Answer => ({ name, type: 'A', ttl, class: 'IN', data: ip });
const soa = (ttl: number, minimum: number): Answer => ({
  name: 'cluster.local',
  type: 'SOA',
  ttl,
  class: 'IN',
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum },
});

/** A backend that counts calls and answers from a table by name. */
function backend(table: Record<string, DnsResponse>): Handler & { calls: number } {
  const h = (async (req) => {
    h.calls++;
    return table[req.qname];
  }) as Handler & { calls: number };
  h.calls = 0;
  return h;
}

describe('dns cache plugin', () => {
  const table: Record<string, DnsResponse> = {
    'web.ns.svc.cluster.local': { rcode: 0, authoritative: true, answers: [a('web.ns.svc.cluster.local', '10.96.0.5', 30)], authorities: [], additionals: [] },
    'short.ns.svc.cluster.local': { rcode: 0, authoritative: true, answers: [a('short.ns.svc.cluster.local', '10.96.0.6', 2)], authorities: [], additionals: [] },
    'long.example.org': { rcode: 0, authoritative: false, answers: [a('long.example.org', '192.0.2.1', 86400)], authorities: [], additionals: [] },
    'nope.ns.svc.cluster.local': { rcode: Rcode.NXDOMAIN, authoritative: true, answers: [], authorities: [soa(30, 30)], additionals: [] },
    'nodata.ns.svc.cluster.local': { rcode: 0, authoritative: true, answers: [], authorities: [soa(30, 10)], additionals: [] },
    'fail.example.org': emptyResponse(Rcode.SERVFAIL),
    'trunc.example.org': { ...emptyResponse(0), truncated: true, answers: [a('trunc.example.org', '192.0.2.9')] },
  };

  it('serves a hit with the TTL that remains, counted in whole seconds on the clock', async () => {
    const clock = new FakeClock();
    const b = backend(table);
    const c = cache({ clock, success: { maxTTL: 30 }, denial: { maxTTL: 30 } });
    const h = compose([c.plugin], b);
    expect((await ask(h, 'web.ns.svc.cluster.local', 'A')).answers!.map(rr)).to.deep.equal(['web.ns.svc.cluster.local. 30 IN A 10.96.0.5']);
    clock.advance(10_400);
    const hit = await ask(h, 'WEB.ns.svc.cluster.local', 'A');
    expect(hit.answers!.map(ttlOf)).to.deep.equal([20]);
    expect(hit.flag_aa, 'AA of the stored answer').to.equal(true);
    expect(b.calls).to.equal(1);
    clock.advance(20_000);
    await ask(h, 'web.ns.svc.cluster.local', 'A');
    expect(b.calls, 'expired entries are fetched again').to.equal(2);
    expect(c.stats()).to.include({ hits: 1, misses: 2 });
  });

  it('clamps TTLs into [minTTL, maxTTL]: cache 30 caps a day, short TTLs are kept 5s', async () => {
    const clock = new FakeClock();
    const b = backend(table);
    const h = compose([cache({ clock, success: { maxTTL: 30 } }).plugin], b);
    await ask(h, 'long.example.org', 'A');
    expect((await ask(h, 'long.example.org', 'A')).answers!.map(ttlOf)[0]).to.equal(30);
    await ask(h, 'short.ns.svc.cluster.local', 'A');
    clock.advance(3000);
    const hit = await ask(h, 'short.ns.svc.cluster.local', 'A');
    expect(hit.answers!.map(ttlOf)[0], 'stored for minTTL 5, 3s gone').to.equal(2);
    expect(b.calls).to.equal(2);
  });

  it('caches NXDOMAIN and NODATA in the denial cache for min(SOA TTL, minimum)', async () => {
    const clock = new FakeClock();
    const b = backend(table);
    const c = cache({ clock });
    const h = compose([c.plugin], b);
    expect((await ask(h, 'nope.ns.svc.cluster.local', 'A')).rcode).to.equal('NXDOMAIN');
    expect((await ask(h, 'nope.ns.svc.cluster.local', 'A')).rcode).to.equal('NXDOMAIN');
    await ask(h, 'nodata.ns.svc.cluster.local', 'AAAA');
    clock.advance(9000);
    const hit = await ask(h, 'nodata.ns.svc.cluster.local', 'AAAA');
    expect(hit.authorities!.map(ttlOf)).to.deep.equal([1]);
    clock.advance(1000);
    await ask(h, 'nodata.ns.svc.cluster.local', 'AAAA');
    expect(b.calls).to.equal(3);
    expect(c.stats().denialEntries).to.equal(2);
  });

  it('keys on type and the DO bit', async () => {
    const b = backend(table);
    const h = compose([cache({ clock: new FakeClock() }).plugin], b);
    await ask(h, 'web.ns.svc.cluster.local', 'A');
    await ask(h, 'web.ns.svc.cluster.local', 'A', { edns: 1232, do: true });
    await ask(h, 'web.ns.svc.cluster.local', 'AAAA');
    expect(b.calls).to.equal(3);
  });

  it('never stores SERVFAIL or truncated answers', async () => {
    const b = backend(table);
    const h = compose([cache({ clock: new FakeClock() }).plugin], b);
    for (let i = 0; i < 2; i++) {
      await ask(h, 'fail.example.org', 'A');
      await ask(h, 'trunc.example.org', 'A');
    }
    expect(b.calls).to.equal(4);
  });

  it('holds at most `capacity` entries per cache, dropping the oldest', async () => {
    const b: Handler = async (req) => ({ rcode: 0, authoritative: true, answers: [a(req.name, '10.0.0.1')], authorities: [], additionals: [] });
    const c = cache({ clock: new FakeClock(), success: { capacity: 3 } });
    const h = compose([c.plugin], b);
    for (let i = 0; i < 10; i++) await ask(h, `n${i}.example.org`, 'A');
    expect(c.stats().successEntries).to.equal(3);
  });

  it('stores nothing for disabled zones or names outside its zones', async () => {
    const b = backend(table);
    const h = compose([cache({ clock: new FakeClock(), zones: ['cluster.local'], success: { disabled: ['ns.svc.cluster.local'] } }).plugin], b);
    for (let i = 0; i < 2; i++) {
      await ask(h, 'web.ns.svc.cluster.local', 'A');
      await ask(h, 'long.example.org', 'A');
    }
    expect(b.calls).to.equal(4);
  });
});

describe('dns loadbalance plugin', () => {
  const res: DnsResponse = {
    rcode: 0,
    authoritative: true,
    answers: [
      { name: 'x', type: 'CNAME', ttl: 5, class: 'IN', data: 'y' },
      a('y', '10.0.0.1'),
      a('y', '10.0.0.2'),
      a('y', '10.0.0.3'),
      { name: 'y', type: 'TXT', ttl: 5, class: 'IN', data: ['t'] },
    ],
    authorities: [],
    additionals: [],
  };

  it('rotates the addresses one step per response, CNAMEs first, other records before addresses', async () => {
    const h = compose([loadbalance()], async () => res);
    const order = async () => (await ask(h, 'x', 'A')).answers!.map((r) => (r.type === 'A' ? r.data : r.type));
    expect(await order()).to.deep.equal(['CNAME', 'TXT', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(await order()).to.deep.equal(['CNAME', 'TXT', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(await order()).to.deep.equal(['CNAME', 'TXT', '10.0.0.3', '10.0.0.1', '10.0.0.2']);
    expect(res.answers.map((r) => r.type), 'the response below is never changed').to.deep.equal(['CNAME', 'A', 'A', 'A', 'TXT']);
  });
});

describe('dns errors, log, health and ready', () => {
  it('errors: a throwing plugin becomes SERVFAIL and is reported', async () => {
    const seen: string[] = [];
    const h = compose([errors({ onError: (e, req) => seen.push(`${req.qname}: ${e.message}`) })], async () => {
      throw new Error('boom');
    });
    expect((await ask(h, 'x.example.org', 'A')).rcode).to.equal('SERVFAIL');
    expect(seen).to.deep.equal(['x.example.org: boom']);
  });

  it('log: one CoreDNS-style line per query', async () => {
    const lines: string[] = [];
    const clock = new FakeClock();
    const h = compose([log({ clock, write: (l) => lines.push(l) })], async () => ({ ...emptyResponse(Rcode.NXDOMAIN, true) }));
    await ask(h, 'nope.cluster.local', 'AAAA', { id: 7 });
    expect(lines).to.deep.equal(['[INFO] - - 7 "AAAA IN nope.cluster.local. tcp false" NXDOMAIN qr,aa,rd 0.000000s']);
  });

  it('health is OK; ready names the plugins that are not ready', () => {
    let synced = false;
    const parts = [{ name: 'kubernetes', ready: () => synced }];
    expect(healthProbe()).to.deep.equal({ status: 200, body: 'OK' });
    expect(readyProbe(parts)).to.deep.equal({ status: 503, body: 'kubernetes' });
    synced = true;
    expect(readyProbe(parts)).to.deep.equal({ status: 200, body: 'OK' });
  });
});
