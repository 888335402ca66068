/** forward against fake upstreams on 127.0.0.1: UDP, TCP on TC, failover, and only what config allows. */
import { expect } from 'chai';
import dnsPacket from 'dns-packet';
import { RealClock } from '../../src/util/clock.js';
import { compose } from '../../src/dns/types.js';
import { forward, parseUpstream, type ForwardPlugin } from '../../src/dns/plugins/forward.js';
import { isKemuError } from '../../src/util/errors.js';
import { ask, rr } from './fixture.js';
import { answerA, startUpstream, type FakeUpstream } from './upstream.js';

describe('dns forward plugin', function () {
  let up: FakeUpstream;
  let down: FakeUpstream;
  const plugins: ForwardPlugin[] = [];
  const fwd = (o: Partial<Parameters<typeof forward>[0]>) => {
    const f = forward({ clock: new RealClock(), upstreams: [`127.0.0.1:${up.port}`], timeoutMs: 200, policy: 'sequential', ...o });
    plugins.push(f);
    return f;
  };

  beforeEach(async () => {
    up = await startUpstream((q) => answerA(q, '192.0.2.10'));
    down = await startUpstream(() => undefined); // never answers
  });
  afterEach(async () => {
    for (const p of plugins.splice(0)) p.close();
    await up.close();
    await down.close();
  });

  it('forwards over UDP and returns the upstream answer, RD kept and RA passed back', async () => {
    const res = await ask(compose([fwd({}).plugin]), 'www.example.org', 'A');
    expect(res.rcode).to.equal('NOERROR');
    expect(res.answers!.map(rr)).to.deep.equal(['www.example.org. 300 IN A 192.0.2.10']);
    expect(res.flag_ra).to.equal(true);
    expect(res.flag_aa).to.equal(false);
    expect(up.queries).to.have.length(1);
    expect(up.queries[0]!.transport).to.equal('udp');
    expect(up.queries[0]!.q.flag_rd).to.equal(true);
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    up.behave = (q, transport) =>
      transport === 'udp' ? { ...answerA(q, '192.0.2.1'), flags: dnsPacket.TRUNCATED_RESPONSE, answers: [] } : answerA(q, '192.0.2.99');
    const f = fwd({});
    const res = await ask(compose([f.plugin]), 'big.example.org', 'A');
    expect(res.answers!.map(rr)).to.deep.equal(['big.example.org. 300 IN A 192.0.2.99']);
    expect(up.queries.map((x) => x.transport)).to.deep.equal(['udp', 'tcp']);
    expect(f.stats().tcpRetries).to.equal(1);
  });

  it('moves to the next upstream on timeout, SERVFAIL when none answers', async () => {
    const f = fwd({ upstreams: [`127.0.0.1:${down.port}`, `127.0.0.1:${up.port}`] });
    expect((await ask(compose([f.plugin]), 'a.example.org', 'A')).answers!.map(rr)).to.deep.equal(['a.example.org. 300 IN A 192.0.2.10']);
    const dead = fwd({ upstreams: [`127.0.0.1:${down.port}`] });
    expect((await ask(compose([dead.plugin]), 'b.example.org', 'A')).rcode).to.equal('SERVFAIL');
    expect(dead.stats()).to.include({ forwarded: 1, failures: 1 });
  });

  it('ignores answers with the wrong ID or question (a spoof does not land)', async () => {
    up.behave = (q) => answerA({ ...q, id: (q.id! + 1) & 0xffff }, '6.6.6.6');
    expect((await ask(compose([fwd({}).plugin]), 'c.example.org', 'A')).rcode).to.equal('SERVFAIL');
    up.behave = (q) => ({ ...answerA(q, '6.6.6.6'), questions: [{ name: 'other.example.org', type: 'A', class: 'IN' }] });
    expect((await ask(compose([fwd({}).plugin]), 'c.example.org', 'A')).rcode).to.equal('SERVFAIL');
  });

  it('passes upstream NXDOMAIN through', async () => {
    up.behave = (q) => ({ id: q.id, type: 'response', flags: 3 | dnsPacket.RECURSION_AVAILABLE, questions: q.questions });
    expect((await ask(compose([fwd({}).plugin]), 'nope.example.org', 'A')).rcode).to.equal('NXDOMAIN');
  });

  it('forwards only names under FROM and not under except; others reach the next plugin', async () => {
    const h = compose([fwd({ from: 'example.org', except: ['private.example.org'] }).plugin]);
    expect((await ask(h, 'www.example.com', 'A')).rcode).to.equal('REFUSED');
    expect((await ask(h, 'db.private.example.org', 'A')).rcode).to.equal('REFUSED');
    expect((await ask(h, 'www.example.org', 'A')).rcode).to.equal('NOERROR');
    expect(up.queries).to.have.length(1);
  });

  it('force_tcp asks over TCP only', async () => {
    await ask(compose([fwd({ forceTcp: true }).plugin]), 'www.example.org', 'A');
    expect(up.queries.map((x) => x.transport)).to.deep.equal(['tcp']);
  });

  it('parses upstreams as IP[:port], refusing names', () => {
    expect(parseUpstream('10.0.0.1')).to.deep.equal({ host: '10.0.0.1', port: 53 });
    expect(parseUpstream('10.0.0.1:5353')).to.deep.equal({ host: '10.0.0.1', port: 5353 });
    expect(parseUpstream('[fd00::1]:54')).to.deep.equal({ host: 'fd00::1', port: 54 });
    expect(parseUpstream('fd00::1')).to.deep.equal({ host: 'fd00::1', port: 53 });
    for (const bad of ['dns.google', '/etc/resolv.conf', '10.0.0.1:0', '10.0.0.1:99999']) {
      expect(() => parseUpstream(bad), bad).to.throw().that.satisfies((e: unknown) => isKemuError(e, 'DNS_BAD_UPSTREAM'));
    }
  });
});
