/** The socket-free seam (handleWire) and the TCP listener's connection rules. */
import { expect } from 'chai';
import net from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import { FakeClock } from '../../src/util/clock.js';
import { WireHandler } from '../../src/dns/wire.js';
import { DnsServer } from '../../src/dns/server.js';
import type { Handler } from '../../src/dns/types.js';
import { query, rcodeOf } from './fixture.js';
import { tcpAsk } from './sockets.js';

const many: Handler = async (req) => ({
  rcode: 0,
  authoritative: true,
  answers: Array.from({ length: 40 }, (_, i): Answer => ({ name: req.name, type: 'A', ttl: 5, class: 'IN', data: `10.0.0.${i + 1}` })),
  authorities: [],
  additionals: [{ name: 'extra.example', type: 'A', ttl: 5, class: 'IN', data: '10.9.9.9' }],
});

describe('dns wire seam (handleWire)', () => {
  it('caps an EDNS client at the transport maxUdpSize it is given', async () => {
    const w = new WireHandler(many);
    const capped = dnsPacket.decode((await w.handleWire(query('x.example', 'A', { edns: 4096 }), 'udp', 600))!);
    expect(capped.flag_tc).to.equal(true);
    expect(dnsPacket.encode(capped).length).to.be.at.most(600);
    const opt = capped.additionals!.find((a) => a.type === 'OPT') as { udpPayloadSize: number };
    expect(opt.udpPayloadSize, 'advertises the cap').to.equal(600);
  });

  it('drops additionals before answers, without TC when that is enough', async () => {
    // 19 answers of 25 bytes fit in 512 with the header and question (502 bytes); the additional does not.
    const fit: Handler = async (req) => ({ ...(await many(req))!, answers: (await many(req))!.answers.slice(0, 19) });
    const p = dnsPacket.decode((await new WireHandler(fit).handleWire(query('x.example', 'A'), 'udp'))!);
    expect(p.answers).to.have.length(19);
    expect(p.additionals).to.have.length(0);
    expect(p.flag_tc).to.equal(false);
  });

  it('REFUSED when no plugin answers; SERVFAIL when the chain throws or a record cannot be encoded', async () => {
    const errs: string[] = [];
    const none = new WireHandler(async () => undefined);
    expect(rcodeOf((await none.handleWire(query('a.example', 'A'), 'udp'))!)).to.equal('REFUSED');
    const throws = new WireHandler(async () => {
      throw new Error('boom');
    }, { onError: (e) => errs.push(e.message) });
    expect(rcodeOf((await throws.handleWire(query('a.example', 'A'), 'udp'))!)).to.equal('SERVFAIL');
    const badData = new WireHandler(async (req) => ({ rcode: 0, authoritative: true, answers: [{ name: req.name, type: 'SRV' } as unknown as Answer], authorities: [], additionals: [] }));
    expect(rcodeOf((await badData.handleWire(query('a.example', 'A'), 'udp'))!)).to.equal('SERVFAIL');
    expect(errs).to.deep.equal(['boom']);
  });

  it('FORMERR for a name dns-packet cannot echo byte for byte (a dot inside a label)', async () => {
    const q = query('ab.example', 'A');
    q[13 + 1] = '.'.charCodeAt(0); // "a.": one label of two bytes holding a dot
    const w = new WireHandler(many);
    expect(rcodeOf((await w.handleWire(q, 'udp'))!)).to.equal('FORMERR');
    expect(w.counters.formerr).to.equal(1);
  });
});

describe('dns TCP listener', () => {
  it('closes idle connections after tcpIdleMs on the clock, and refuses connections over the limit', async () => {
    const clock = new FakeClock();
    const server = new DnsServer({ handler: many, clock, tcpIdleMs: 10_000, maxTcpConnections: 1 });
    const { tcpPort } = await server.start();
    try {
      const c = net.connect(tcpPort, '127.0.0.1');
      const closed = new Promise<void>((r) => c.on('close', () => r()));
      c.on('error', () => undefined);
      await new Promise((r) => c.on('connect', r));
      await new Promise((r) => setTimeout(r, 20));
      // A second connection is over the limit and is closed at once.
      await tcpAsk(tcpPort, [query('x.example', 'A')], 1, 300).then(
        () => expect.fail('answered over the limit'),
        () => undefined,
      );
      expect(server.counters().tcpRejected).to.equal(1);
      clock.advance(9_000);
      expect(c.destroyed).to.equal(false);
      clock.advance(1_000);
      await closed;
    } finally {
      await server.stop();
    }
  });
});
