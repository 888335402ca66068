/** Minimal DNS clients over real sockets for the server tests and the benchmark. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';

export type Reply = DecodedPacket & { rcode: string; bytes: number };

function decode(buf: Buffer): Reply {
  return Object.assign(dnsPacket.decode(buf) as DecodedPacket & { rcode: string }, { bytes: buf.length });
}

/** One UDP exchange; rejects after `ms` without an answer. */
export function udpAsk(port: number, msg: Buffer, ms = 2000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('udp: no answer'));
    }, ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(decode(m));
    });
    s.send(msg, port, '127.0.0.1');
  });
}

/** Resolves true when nothing comes back within `ms` (for queries the server must drop). */
export function udpSilent(port: number, msg: Buffer, ms = 150): Promise<boolean> {
  return udpAsk(port, msg, ms).then(
    () => false,
    () => true,
  );
}

/** Sends length-prefixed messages on one TCP connection and collects `count` replies. */
export function tcpAsk(port: number, msgs: Buffer[], count = msgs.length, ms = 2000): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const out: Reply[] = [];
    let buf = Buffer.alloc(0);
    const c = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`tcp: ${out.length}/${count} answers`));
    }, ms);
    c.on('error', reject);
    c.on('connect', () => c.write(Buffer.concat(msgs.map((m) => Buffer.concat([u16(m.length), m])))));
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= count) {
        clearTimeout(t);
        c.destroy();
        resolve(out);
      }
    });
  });
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
