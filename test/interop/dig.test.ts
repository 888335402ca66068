/**
 * The real `dig` against kemu's DNS server, started in-process on a real test API with objects:
 * A, SRV, PTR, CNAME, headless, a StatefulSet pod's hostname, NXDOMAIN, NODATA, and a UDP answer
 * truncated at 512 bytes that comes back whole over TCP. Needs dig (Debian package
 * `bind9-dnsutils`); without it this test fails, because interop runs where tools are installed.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RealClock } from '../../src/util/clock.js';
import { ClusterDns } from '../../src/dns/cluster-dns.js';
import { startFixture, type DnsFixture } from '../dns/fixture.js';
import { OBJECTS } from '../dns/objects.js';

const exec = promisify(execFile);
const S = (name: string) => `${name}.testns.svc.cluster.local`;

describe('interop: dig against the kemu DNS server', function () {
  this.timeout(60_000);
  let fx: DnsFixture;
  let dns: ClusterDns;
  let port: number;

  /** dig's output for one query; `+tries=1` so a failure shows at once. */
  const dig = async (...args: string[]) => (await exec('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', ...args], { timeout: 20_000 })).stdout;
  /** The answer section as "name ttl class type data" lines, sorted. */
  const answer = async (...args: string[]) =>
    (await dig('+noall', '+answer', ...args))
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).join(' '))
      .sort();
  const header = async (...args: string[]) => (await dig('+noall', '+comments', ...args)).match(/opcode: QUERY, status: (\w+), id: \d+\n;; flags: ([a-z ]+);.*ANSWER: (\d+), AUTHORITY: (\d+)/)!;

  before(async () => {
    try {
      await exec('dig', ['-v']);
    } catch {
      throw new Error('dig is not installed: install the Debian package "bind9-dnsutils" (apt-get install bind9-dnsutils) to run the interop tests');
    }
    fx = await startFixture(OBJECTS);
    dns = new ClusterDns({ factory: fx.factory, clock: new RealClock(), dnsDomain: 'cluster.local', dns: { upstreams: [], cacheSeconds: 30, ttl: 30 } });
    port = (await dns.start()).udpPort;
  });
  after(async () => {
    await dns?.stop();
    await fx?.close();
  });

  it('A of a ClusterIP service', async () => {
    expect(await answer(S('svc1'), 'A')).to.deep.equal([`${S('svc1')}. 30 IN A 10.96.0.100`]);
  });

  it('SRV of a named port, with the target address in the additional section', async () => {
    expect(await answer(`_http._tcp.${S('svc1')}`, 'SRV')).to.deep.equal([`_http._tcp.${S('svc1')}. 30 IN SRV 0 100 80 ${S('svc1')}.`]);
    expect(await dig('+noall', '+additional', `_http._tcp.${S('svc1')}`, 'SRV')).to.match(new RegExp(`${S('svc1')}\\.\\s+30\\s+IN\\s+A\\s+10\\.96\\.0\\.100`));
  });

  it('PTR of a ClusterIP (dig -x)', async () => {
    expect(await answer('-x', '10.96.0.100')).to.deep.equal([`100.0.96.10.in-addr.arpa. 30 IN PTR ${S('svc1')}.`]);
  });

  it('CNAME of an ExternalName service', async () => {
    expect(await answer(S('ext'), 'CNAME')).to.deep.equal([`${S('ext')}. 30 IN CNAME example.com.`]);
  });

  it('headless: one A per ready endpoint', async () => {
    expect(await answer(S('hdls1'), 'A')).to.deep.equal(['10.244.1.10', '10.244.1.11', '10.244.1.13'].map((ip) => `${S('hdls1')}. 30 IN A ${ip}`));
  });

  it("a StatefulSet pod's hostname", async () => {
    expect(await answer(`web-1.${S('web')}`, 'A')).to.deep.equal([`web-1.${S('web')}. 30 IN A 10.244.2.11`]);
  });

  it('NXDOMAIN status with the SOA, flags qr aa rd', async () => {
    const [, status, flags, answers, authority] = await header(S('nope'), 'A');
    expect([status, flags, answers, authority]).to.deep.equal(['NXDOMAIN', 'qr aa rd', '0', '1']);
    expect(await dig('+noall', '+authority', S('nope'), 'A')).to.match(/cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/);
  });

  it('NODATA: NOERROR, no answer, the SOA', async () => {
    const [, status, , answers, authority] = await header(S('svc1'), 'AAAA');
    expect([status, answers, authority]).to.deep.equal(['NOERROR', '0', '1']);
  });

  it('over 512 bytes: +notcp without EDNS is truncated (tc), +tcp gets every record', async () => {
    const [, status, flags, answers] = await header('+notcp', '+noedns', '+ignore', S('big'), 'A');
    expect(status).to.equal('NOERROR');
    expect(flags.split(' ')).to.include('tc');
    expect(Number(answers)).to.be.within(1, 29);
    expect(await answer('+tcp', S('big'), 'A')).to.have.length(30);
    // dig's own retry: without +ignore, a truncated UDP answer is asked again over TCP.
    expect(await answer('+notcp', '+noedns', S('big'), 'A')).to.have.length(30);
  });
});
