/** A fake upstream resolver on 127.0.0.1 (UDP and TCP, one port) for forward tests. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';

/** What the upstream does with a query: a reply packet, or undefined to stay silent. */
export type UpstreamBehaviour = (q: DecodedPacket, transport: 'udp' | 'tcp') => Packet | undefined;

export interface FakeUpstream {
  address: string;
  port: number;
  queries: { q: DecodedPacket; transport: 'udp' | 'tcp' }[];
  behave: UpstreamBehaviour;
  close(): Promise<void>;
}

/** A NOERROR answer with one A record, the query's ID and question. */
export function answerA(q: DecodedPacket, ip: string, extra: Partial<Packet> = {}): Packet {
  return {
    id: q.id,
    type: 'response',
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: q.questions,
    answers: [{ name: q.questions![0]!.name, type: 'A', ttl: 300, class: 'IN', data: ip }],
    ...extra,
  };
}

export async function startUpstream(behave: UpstreamBehaviour): Promise<FakeUpstream> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('error', () => undefined);
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const q = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        fx.queries.push({ q, transport: 'tcp' });
        const out = fx.behave(q, 'tcp');
        if (out) c.write(dnsPacket.streamEncode(out));
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  const fx: FakeUpstream = {
    address: '127.0.0.1',
    port,
    queries: [],
    behave,
    close: async () => {
      udp.close();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
  udp.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    fx.queries.push({ q, transport: 'udp' });
    const out = fx.behave(q, 'udp');
    if (out) udp.send(dnsPacket.encode(out), rinfo.port, rinfo.address);
  });
  return fx;
}
