/** The packet plane's extension API over HTTP (validation, errors, base64 pcap) and the CLI's formatting. */
import { expect } from 'chai';
import { type Server, createServer } from 'node:http';
import { HttpClient } from '../../../src/api/client/http.js';
import { ApiError } from '../../../src/api/errors.js';
import { EXTENSION_PREFIX, ExtensionApi } from '../../../src/lab/extension-api.js';
import { LabNetwork, registerNetworkApi } from '../../../src/lab/network/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { formatPing, formatRtt, type PingResponse } from '../../../src/cli/ping.js';
import { decodeAll, readPcap, twoRacks, udpHandles } from './support.js';

describe('lab/network: extension API', function () {
  this.timeout(20_000);
  let net: LabNetwork;
  let server: Server;
  let client: HttpClient;
  const handles = udpHandles();
  const post = (path: string, body: unknown) => client.raw('POST', `${EXTENSION_PREFIX}${path}`, body) as Promise<any>;
  const failure = async (path: string, body: unknown): Promise<[string, string]> => {
    try {
      await post(path, body);
    } catch (err) {
      if (err instanceof ApiError) return [err.reason, err.message];
    }
    return ['none', ''];
  };

  before(async () => {
    net = LabNetwork.fromTopology(twoRacks(), { clock: new RealClock() });
    await net.start();
    const ext = new ExtensionApi();
    registerNetworkApi(ext, net);
    server = createServer((req, res) => void ext.handle(req, res, new URL(req.url!, 'http://x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new HttpClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  });
  after(async () => {
    client.close();
    await new Promise((r) => server.close(r));
    await net.stop();
    expect(udpHandles()).to.equal(handles);
  });

  it('POST /ping answers with the PingResult and the resolved addresses', async () => {
    const r = await post('/ping', { src: 'node/cp', dst: 'node/w2', count: 2, intervalMs: 5 });
    expect([r.src.ip, r.src.namespace, r.dst.ip, r.result.received, r.result.ttls]).to.deep.equal(['172.18.0.2', 'cp', '172.18.1.2', 2, [63, 63]]);
    const fromIp = await post('/ping', { src: '172.18.1.1', dst: '172.18.0.3' });
    expect([fromIp.src.namespace, fromIp.result.replies[0].from]).to.deep.equal(['tor', '172.18.0.3']);
  });

  it('POST /capture returns the pcap as base64', async () => {
    let r: any;
    const cap = post('/capture', { target: 'node/w2', count: 2 }).then((x) => (r = x));
    while (r === undefined) await post('/ping', { src: 'node/w1', dst: 'node/w2' }); // the two requests race: ping until captured
    await cap;
    expect([r.namespace, r.iface, r.linkType, r.frames]).to.deep.equal(['w2', 'eth0', 'ethernet', 2]);
    expect(decodeAll(readPcap(new Uint8Array(Buffer.from(r.pcap, 'base64')))).sort()).to.deep.equal(['icmp echo-reply', 'icmp echo-request']);
  });

  it('rejects bad requests with 400/404 and a message, never a 500', async () => {
    expect(await failure('/ping', { dst: 'node/w2' })).to.deep.equal(['BadRequest', '"src" is required (a string)']);
    expect(await failure('/ping', { src: 'node/w1', dst: 'node/w2', count: 0 })).to.deep.equal(['BadRequest', '"count" must be a number in 1..100000']);
    expect(await failure('/ping', { src: 'node/w1', dst: 'node/w2', ttl: 1.5 })).to.deep.equal(['BadRequest', '"ttl" must be an integer']);
    expect((await failure('/ping', { src: 'node/zz', dst: 'node/w2' }))[0]).to.equal('NotFound');
    expect((await failure('/ping', { src: '10.9.9.9', dst: 'node/w2' }))[1]).to.equal('no namespace in this cluster owns 10.9.9.9');
    expect((await failure('/trace', { src: 'node/w1', dst: 'node/w2', proto: 'sctp' }))[0]).to.equal('BadRequest');
    expect((await failure('/capture', { target: 'router/tor:eth7', count: 1 }))[1]).to.equal('tor has no interface "eth7" (interfaces: lo, eth0, eth1)');
    expect((await failure('/ping', [1, 2]))[0]).to.equal('BadRequest');
  });

  it('GET /network lists what can be targeted', async () => {
    const r = (await client.raw('GET', `${EXTENSION_PREFIX}/network`)) as any;
    expect(r.nodes.map((n: any) => n.target)).to.deep.equal(['node/cp', 'node/w1', 'node/w2']);
    expect(r.routers[0].interfaces.map((i: any) => [i.name, i.mtu, i.addresses[0]])).to.deep.equal([['eth0', 1500, '172.18.0.1/24'], ['eth1', 1400, '172.18.1.1/24']]);
  });
});

describe('kemu ping output (iputils layout)', () => {
  const base = (result: Partial<PingResponse['result']>): PingResponse => ({
    src: { target: 'node/w1', namespace: 'w1', ip: '172.18.0.3' }, dst: { target: 'node/w2', ip: '172.18.1.2' },
    size: 56, count: 3, intervalMs: 1000, elapsedMs: 2002.4,
    result: { dst: '172.18.1.2', transmitted: 3, received: 0, replies: [], errors: [], lost: [], rtts: [], ttls: [], ...result },
  });

  it('prints replies, errors in sequence order, loss like %g and the rtt line', () => {
    const text = formatPing(base({
      received: 2,
      replies: [{ seq: 3, from: '172.18.1.2', rttMs: 0.5, ttl: 63, bytes: 64 }, { seq: 1, from: '172.18.1.2', rttMs: 0.3, ttl: 63, bytes: 64 }],
      errors: [{ seq: 2, from: '172.18.0.1', message: 'Time to live exceeded', type: 11, code: 0, nextHopMtu: 0 }],
      rtts: [0.5, 0.3], lost: [2],
    }));
    expect(text).to.equal([
      'PING node/w2 (172.18.1.2) from 172.18.0.3 node/w1: 56(84) bytes of data.',
      '64 bytes from 172.18.1.2: icmp_seq=1 ttl=63 time=0.300 ms',
      'From 172.18.0.1 icmp_seq=2 Time to live exceeded',
      '64 bytes from 172.18.1.2: icmp_seq=3 ttl=63 time=0.500 ms',
      '',
      '--- node/w2 ping statistics ---',
      '3 packets transmitted, 2 received, +1 errors, 33.3333% packet loss, time 2002ms',
      'rtt min/avg/max/mdev = 0.300/0.400/0.500/0.100 ms',
      '',
    ].join('\n'));
  });

  it('formats times as iputils does', () => {
    expect([0.4123, 1.234, 12.34, 123.4].map(formatRtt)).to.deep.equal(['0.412', '1.23', '12.3', '123']);
  });
});
