/**
 * forward: sends names under FROM (minus `except`) to the configured upstreams and nothing else —
 * kemu is not an open resolver: other names go to the next plugin, and only the listed addresses
 * are ever asked. UDP first through one shared socket (a fresh random ID per query, answers
 * accepted only from the asked upstream with the asked ID and question), TCP when the answer comes
 * back truncated. An upstream that times out or fails is skipped for the next; when all fail the
 * client gets SERVFAIL. Timers go through the Clock.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { Clock } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import { isSubdomain, normalizeName } from '../names.js';
import { emptyResponse, Rcode, type DnsRequest, type DnsResponse, type Plugin } from '../types.js';

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwardOptions {
  clock: Clock;
  upstreams: string[];
  /** Names forwarded: those under `from` ("." = all) and not under any of `except`. */
  from?: string;
  except?: string[];
  /** Per-upstream attempt timeout; CoreDNS's read timeout is 2s. */
  timeoutMs?: number;
  /** Order upstreams are tried in; CoreDNS's default is random. */
  policy?: 'random' | 'round_robin' | 'sequential';
  forceTcp?: boolean;
  random?: () => number;
}

export interface ForwardStats {
  forwarded: number;
  failures: number;
  tcpRetries: number;
}

export interface ForwardPlugin {
  plugin: Plugin;
  stats(): ForwardStats;
  close(): void;
}

/** "ip", "ip:port", "[v6]:port" or "v6" → host and port (53 by default). */
export function parseUpstream(s: string): Upstream {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? (/^([^:]+)(?::(\d+))?$/.exec(s) as RegExpExecArray | null);
  const host = m ? m[1]! : s;
  const port = m?.[2] ? Number(m[2]) : 53;
  if (!net.isIP(host) || port < 1 || port > 65535) throw new KemuError('DNS_BAD_UPSTREAM', `forward: upstream "${s}" is not an IP address with an optional port`);
  return { host, port };
}

export function forward(opts: ForwardOptions): ForwardPlugin {
  const upstreams = opts.upstreams.map(parseUpstream);
  const from = normalizeName(opts.from ?? '.');
  const except = (opts.except ?? []).map(normalizeName);
  const timeoutMs = opts.timeoutMs ?? 2000;
  const random = opts.random ?? Math.random;
  const stats: ForwardStats = { forwarded: 0, failures: 0, tcpRetries: 0 };
  const pending = new Map<string, (p: DecodedPacket) => void>();
  const sockets = new Map<4 | 6, dgram.Socket>();
  let turn = 0;

  function socketFor(host: string): dgram.Socket {
    const family = net.isIPv6(host) ? 6 : 4;
    let s = sockets.get(family);
    if (!s) {
      s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      s.on('error', () => undefined); // a send error surfaces as that query's timeout
      s.on('message', (msg, rinfo) => {
        let p: DecodedPacket;
        try {
          p = dnsPacket.decode(msg);
        } catch {
          return;
        }
        pending.get(`${rinfo.address}|${rinfo.port}|${p.id}`)?.(p);
      });
      s.unref();
      sockets.set(family, s);
    }
    return s;
  }

  function order(): Upstream[] {
    const policy = opts.policy ?? 'random';
    if (policy === 'sequential' || upstreams.length < 2) return upstreams;
    const k = policy === 'round_robin' ? turn++ % upstreams.length : Math.floor(random() * upstreams.length);
    return [...upstreams.slice(k), ...upstreams.slice(0, k)];
  }

  function matches(p: DecodedPacket, req: DnsRequest): boolean {
    const q = p.questions?.[0];
    return p.type === 'response' && !!q && normalizeName(q.name) === req.qname && q.type === req.type;
  }

  function queryUdp(up: Upstream, req: DnsRequest): Promise<DecodedPacket | undefined> {
    const sock = socketFor(up.host);
    let id = Math.floor(random() * 65536);
    while (pending.has(`${up.host}|${up.port}|${id}`)) id = (id + 1) & 0xffff;
    const key = `${up.host}|${up.port}|${id}`;
    return new Promise((resolve) => {
      const timer = opts.clock.setTimeout(() => done(undefined), timeoutMs);
      const done = (p: DecodedPacket | undefined) => {
        timer.cancel();
        pending.delete(key);
        resolve(p);
      };
      pending.set(key, (p) => {
        if (matches(p, req)) done(p);
      });
      sock.send(dnsPacket.encode({ ...req.packet, id }), up.port, up.host, (err) => err && done(undefined));
    });
  }

  function queryTcp(up: Upstream, req: DnsRequest): Promise<DecodedPacket | undefined> {
    return new Promise((resolve) => {
      let buf = Buffer.alloc(0);
      const id = Math.floor(random() * 65536);
      const sock = net.connect(up.port, up.host);
      const finish = (p: DecodedPacket | undefined) => {
        timer.cancel();
        sock.destroy();
        resolve(p);
      };
      const timer = opts.clock.setTimeout(() => finish(undefined), timeoutMs);
      sock.on('error', () => finish(undefined));
      sock.on('connect', () => sock.write(dnsPacket.streamEncode({ ...req.packet, id })));
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        try {
          const p = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          finish(p.id === id && matches(p, req) ? p : undefined);
        } catch {
          finish(undefined);
        }
      });
    });
  }

  async function ask(up: Upstream, req: DnsRequest): Promise<DecodedPacket | undefined> {
    if (opts.forceTcp) return queryTcp(up, req);
    const p = await queryUdp(up, req);
    if (!p || !p.flag_tc) return p;
    stats.tcpRetries++;
    return (await queryTcp(up, req)) ?? p;
  }

  const plugin: Plugin = (next) => async (req) => {
    if (!isSubdomain(req.qname, from) || except.some((z) => isSubdomain(req.qname, z)) || upstreams.length === 0) return next(req);
    stats.forwarded++;
    for (const up of order()) {
      const p = await ask(up, req);
      if (p) return toResponse(p);
    }
    stats.failures++;
    return emptyResponse(Rcode.SERVFAIL);
  };

  return {
    plugin,
    stats: () => ({ ...stats }),
    close: () => {
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}

function toResponse(p: DecodedPacket): DnsResponse {
  const opt = p.additionals?.find((a) => a.type === 'OPT');
  const ext = opt && opt.type === 'OPT' ? opt.extendedRcode << 4 : 0;
  return {
    rcode: ext | ((p.flags ?? 0) & 0xf),
    authoritative: p.flag_aa,
    recursionAvailable: p.flag_ra,
    truncated: p.flag_tc,
    answers: p.answers ?? [],
    authorities: p.authorities ?? [],
    additionals: (p.additionals ?? []).filter((a) => a.type !== 'OPT'),
  };
}
