/**
 * TCP between pods on two hosts (flannel-style VXLAN, in-memory underlay, virtual time): many
 * concurrent connections to one listener, and the errors a client sees from a remote network —
 * refused (RST), host unreachable (ICMP from the remote node when ARP fails), timed out.
 */
import { expect } from 'chai';
import { TcpLayer, type TcpSocket } from '../../../src/dataplane/tcp/index.js';
import { SimClock, receiveAll, sendPattern, twoPods } from './support.js';

describe('dataplane/tcp between pods on two hosts', function () {
  this.timeout(30_000);

  it('1,000 concurrent connections to one echo listener all succeed (backlog overflow recovered by SYN retries)', async () => {
    const clock = new SimClock();
    const { net, a, b } = await twoPods({ clock, kind: 'memory' });
    try {
      const server = TcpLayer.of(b.ns).listen(7);
      let accepted = 0;
      server.on('connection', (s: TcpSocket) => {
        accepted++;
        s.pipe(s); // echo, and end when the client ends
      });
      const N = 1000;
      let ok = 0;
      const failures: string[] = [];
      for (let i = 0; i < N; i++) {
        const message = Buffer.from(`hello ${i} `.repeat(50));
        const s = TcpLayer.of(a.ns).connect({ host: '10.244.1.2', port: 7 });
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => chunks.push(d));
        s.on('end', () => {
          if (Buffer.concat(chunks).equals(message)) ok++;
          else failures.push(`connection ${i}: wrong echo`);
        });
        s.on('error', (err) => failures.push(`connection ${i}: ${err.message}`));
        s.end(message);
      }
      await clock.run(() => ok + failures.length === N, 120_000);
      expect(failures).to.deep.equal([]);
      expect(ok).to.equal(N);
      expect(accepted).to.equal(N);
      const server2 = TcpLayer.of(b.ns).stats();
      const ports = new Set(TcpLayer.of(a.ns).endpoints().map((e) => e.srcPort));
      expect(ports.size, 'distinct ephemeral ports').to.equal(N);
      expect(server2.drops['listen-overflow'] ?? 0, 'more SYNs than the backlog of 511 at once').to.be.greaterThan(0);
      expect(TcpLayer.of(a.ns).stats().timeouts, 'the dropped SYNs were retried').to.be.greaterThan(0);
      await clock.advance(61_000); // TIME-WAIT (60 s) ends on the side that closed last… and first
      expect(TcpLayer.of(a.ns).stats().connections).to.deep.equal({});
      expect(TcpLayer.of(b.ns).stats().connections).to.deep.equal({});
    } finally {
      await net.stop();
    }
  });

  it('path MTU discovery: pods with MTU 1500 behind flannel.1 (1450): the node answers DF segments with "fragmentation needed", the MSS drops to 1410', async () => {
    const clock = new SimClock();
    const { net, a, b } = await twoPods({ clock, kind: 'memory', podMtu: 1500 });
    try {
      let result: { bytes: number; sha256: string } | undefined;
      TcpLayer.of(b.ns).listen(9000).on('connection', (s: TcpSocket) => void receiveAll(s).done.then((r) => (result = r)));
      const tcp = TcpLayer.of(a.ns);
      const socket = tcp.connect({ host: '10.244.1.2', port: 9000 });
      let sent: string | undefined;
      void sendPattern(socket, 300_000).then((h) => (sent = h));
      await clock.run(() => result !== undefined && sent !== undefined, 60_000);
      expect(result!.sha256).to.equal(sent);
      expect(tcp.endpoints()[0]!.conn.ourMss, 'announced from the pod MTU').to.equal(1460);
      expect(tcp.stats().icmpErrors, 'fragmentation needed').to.be.greaterThan(0);
      expect(tcp.endpoints()[0]!.conn.mss).to.equal(1410);
      expect(net.node('n1').ns.counters.drops.get('frag-needed')).to.be.greaterThan(0);
    } finally {
      await net.stop();
    }
  });

  it('errors from the remote side: ECONNREFUSED (RST), EHOSTUNREACH (the remote node’s ICMP after ARP fails), ETIMEDOUT', async () => {
    const clock = new SimClock();
    const { net, a, b } = await twoPods({ clock, kind: 'memory' });
    try {
      TcpLayer.of(b.ns); // the pod's stack exists (it answers closed ports with RST)
      const tcp = TcpLayer.of(a.ns);
      const outcome = (s: TcpSocket): Promise<string> => new Promise((resolve) => {
        s.on('connect', () => resolve('connected'));
        s.on('error', (err: NodeJS.ErrnoException) => resolve(String(err.code)));
      });
      const refused = outcome(tcp.connect({ host: '10.244.1.2', port: 9999 }));
      const noHost = outcome(tcp.connect({ host: '10.244.1.99', port: 80 }));
      const slow = outcome(tcp.connect({ host: '10.244.1.98', port: 80, timeoutMs: 300 }));
      const results: string[] = [];
      void Promise.all([refused, noHost, slow]).then((r) => results.push(...r));
      await clock.run(() => results.length === 3, 60_000);
      expect(results).to.deep.equal(['ECONNREFUSED', 'EHOSTUNREACH', 'ETIMEDOUT']);
      expect(tcp.stats().icmpErrors).to.equal(1);
    } finally {
      await net.stop();
    }
  });
});
