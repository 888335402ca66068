/**
 * Node's own HTTP server and client over TcpSocket, pod → pod across two hosts over VXLAN on the
 * real dgram underlay with the real clock: the server is fed with emit('connection', socket), the
 * client with createConnection. Also a raw 8 MB echo on the same path (sha256 both ways).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Agent, type IncomingMessage, createServer, request } from 'node:http';
import { TcpLayer, type TcpSocket } from '../../../src/dataplane/tcp/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { udpHandles } from '../lab/support.js';
import { pattern, receiveAll, sendPattern, twoPods } from './support.js';

describe('dataplane/tcp with node:http between pods (dgram underlay, real clock)', function () {
  this.timeout(20_000);
  const handles = udpHandles();
  let pods: Awaited<ReturnType<typeof twoPods>>;

  before(async () => {
    pods = await twoPods({ clock: new RealClock(), kind: 'dgram' });
  });
  after(async () => {
    await pods.net.stop();
    expect(udpHandles()).to.equal(handles);
  });

  it('http.createServer fed with emit("connection") answers http.request({ createConnection }) — bodies both ways, keep-alive reuse', async () => {
    const { a, b } = pods;
    const big = pattern(1_000_000, 5);
    const httpServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url === '/big') return void res.end(Buffer.from(big));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, bytes: body.length, sha: createHash('sha256').update(body).digest('hex'), remote: req.socket.remoteAddress }));
      });
    });
    let connections = 0;
    const listener = TcpLayer.of(b.ns).listen(8080);
    listener.on('connection', (s: TcpSocket) => {
      connections++;
      httpServer.emit('connection', s);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: () => TcpSocket }).createConnection = () => TcpLayer.of(a.ns).connect({ host: '10.244.1.2', port: 8080 });
    const call = (method: string, path: string, body?: Uint8Array): Promise<{ res: IncomingMessage; body: Buffer }> => new Promise((resolve, reject) => {
      const req = request({ host: '10.244.1.2', port: 8080, method, path, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : Buffer.from(body));
    });
    try {
      const upload = pattern(300_000, 9);
      const r1 = await call('POST', '/upload', upload);
      expect(r1.res.statusCode).to.equal(200);
      expect(JSON.parse(r1.body.toString())).to.deep.equal({
        method: 'POST', url: '/upload', bytes: 300_000, sha: createHash('sha256').update(upload).digest('hex'), remote: '10.244.0.2',
      });
      const r2 = await call('GET', '/big');
      expect(r2.body.equals(Buffer.from(big))).to.equal(true);
      const r3 = await call('GET', '/small?x=1');
      expect(JSON.parse(r3.body.toString())).to.include({ method: 'GET', url: '/small?x=1', bytes: 0 });
      expect(connections, 'three requests on one kept-alive connection').to.equal(1);
    } finally {
      agent.destroy();
      httpServer.close();
      listener.close();
    }
  });

  // Not `agent: false`: Node 20 then builds a fresh Agent that ignores createConnection and dials
  // the real network. Leaving `agent` undefined is what makes http use createConnection.
  it('http.request({ createConnection }) over a fresh TcpSocket, Connection: close — both sides end cleanly', async () => {
    const { a, b } = pods;
    const httpServer = createServer((req, res) => res.end(`hello ${req.url}`));
    const listener = TcpLayer.of(b.ns).listen(8081);
    const serverSockets: TcpSocket[] = [];
    listener.on('connection', (s: TcpSocket) => {
      serverSockets.push(s);
      httpServer.emit('connection', s);
    });
    const resetsBefore = TcpLayer.of(a.ns).stats().resetsOut + TcpLayer.of(b.ns).stats().resetsOut;
    let client: TcpSocket | undefined;
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({
        host: '10.244.1.2', port: 8081, path: '/x', headers: { Connection: 'close' },
        createConnection: () => (client = TcpLayer.of(a.ns).connect({ host: '10.244.1.2', port: 8081 })) as never,
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    expect(text).to.equal('hello /x');
    await new Promise((r) => setTimeout(r, 100));
    expect(client!.destroyed).to.equal(true);
    expect(serverSockets[0]!.destroyed).to.equal(true);
    const states = [...Object.keys(TcpLayer.of(a.ns).stats().connections), ...Object.keys(TcpLayer.of(b.ns).stats().connections)];
    expect(states.every((s) => s === 'TIME-WAIT'), states.join(',')).to.equal(true);
    expect(TcpLayer.of(a.ns).stats().resetsOut + TcpLayer.of(b.ns).stats().resetsOut, 'a graceful close, no RST').to.equal(resetsBefore);
    httpServer.close();
    listener.close();
  });

  it('8 MB each way on the real path: echo with sha256 equal', async () => {
    const { a, b } = pods;
    const listener = TcpLayer.of(b.ns).listen(7);
    listener.on('connection', (s: TcpSocket) => s.pipe(s));
    const socket = TcpLayer.of(a.ns).connect({ host: '10.244.1.2', port: 7 });
    const back = receiveAll(socket);
    const sent = await sendPattern(socket, 8_000_000);
    const got = await back.done;
    expect(got.bytes).to.equal(8_000_000);
    expect(got.sha256).to.equal(sent);
    listener.close();
  });

  it('a corked response (node:http writes head and body corked) leaves as one segment with TCP_NODELAY, as over a real socket', async () => {
    const { a, b } = pods;
    const httpServer = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 5 });
      res.end(Buffer.from('hello'));
    });
    const listener = TcpLayer.of(b.ns).listen(8081);
    listener.on('connection', (s: TcpSocket) => {
      s.setNoDelay(true); // as Go's net/http does
      httpServer.emit('connection', s);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: () => TcpSocket }).createConnection = () => TcpLayer.of(a.ns).connect({ host: '10.244.1.2', port: 8081 });
    const get = (): Promise<string> => new Promise((resolve, reject) => {
      request({ host: '10.244.1.2', port: 8081, path: '/', agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      }).on('error', reject).end();
    });
    const podEth = b.ns.device('eth0')!;
    try {
      expect(await get()).to.equal('hello'); // connection up
      const before = podEth.counters.txPackets;
      expect(await get()).to.equal('hello');
      expect(podEth.counters.txPackets - before, 'segments the server sent for one keep-alive request').to.equal(1);
    } finally {
      agent.destroy();
      listener.close();
    }
  });
});
