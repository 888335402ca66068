/** Seeded generators of valid BGP messages for the round-trip and fuzz tests. */
import type { AsPathSegment, BgpMessage, CodecContext, PathAttributes, Prefix, RawAttribute } from '../../src/bgp/codec/index.js';
import { prefixMask } from '../../src/net/addr.js';
import type { Rng } from './support.js';

const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 15, 17, 18]);

export function genPrefix(rng: Rng, addPath: boolean): Prefix {
  const len = rng.int(33);
  const p: Prefix = { addr: (rng.uint(32) & prefixMask(len)) >>> 0, len };
  if (addPath) p.pathId = rng.uint(32);
  return p;
}

function genAsn(rng: Rng): number {
  return rng.bool() ? 1 + rng.int(65535) : 65536 + rng.int(0xffffffff - 65536);
}

export function genAsPath(rng: Rng, as4 = true): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  // Confederation segments only lead, as they do on the wire (RFC 5065); AS4_PATH cannot carry
  // them (RFC 6793 §3), so next to a 2-octet speaker member ASNs are 2-octet.
  const member = (): number => (as4 ? genAsn(rng) : 1 + rng.int(65535));
  if (rng.int(6) === 0) out.push({ type: rng.pick([3, 4] as const), asns: Array.from({ length: 1 + rng.int(3) }, member) });
  for (let i = 0, n = rng.int(4); i < n; i++) {
    out.push({ type: rng.pick([1, 2, 2] as const), asns: Array.from({ length: 1 + rng.int(6) }, () => genAsn(rng)) });
  }
  return out;
}

export function genAttributes(rng: Rng, forNlri: boolean, as4 = true): PathAttributes {
  const a: PathAttributes = {};
  if (forNlri || rng.bool()) a.origin = rng.pick([0, 1, 2] as const);
  if (forNlri || rng.bool()) a.asPath = genAsPath(rng, as4);
  if (forNlri || rng.bool()) a.nextHop = 1 + rng.int(0xdfffffff);
  if (rng.bool()) a.med = rng.uint(32);
  if (rng.bool()) a.localPref = rng.uint(32);
  if (rng.int(4) === 0) a.atomicAggregate = true;
  // RFC 6793 §4.2.3: a 2-octet AGGREGATOR other than AS_TRANS means an OLD speaker aggregated, and
  // the receiver then ignores AS4_PATH; so next to a 2-octet peer only 4-octet aggregators round-trip.
  if (rng.int(4) === 0) a.aggregator = { asn: as4 ? genAsn(rng) : 65536 + rng.int(1e9), address: rng.uint(32) };
  if (rng.int(3) === 0) a.originatorId = rng.uint(32);
  if (rng.int(3) === 0) a.clusterList = Array.from({ length: 1 + rng.int(4) }, () => rng.uint(32));
  if (rng.int(3) === 0) {
    const types = new Set<number>();
    for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
      const t = rng.pick([8, 16, 20, 32, 100 + rng.int(150)]);
      if (!KNOWN.has(t)) types.add(t);
    }
    a.unknown = [...types].sort((x, y) => x - y).map((type): RawAttribute => ({
      type, flags: rng.pick([0xc0, 0xe0]), value: rng.bytes(rng.int(6) === 0 ? 256 + rng.int(200) : rng.int(12)),
    }));
  }
  return a;
}

export function genContext(rng: Rng): CodecContext {
  return { as4: rng.int(4) !== 0, addPath: rng.int(4) === 0 };
}

export function genMessage(rng: Rng, ctx: CodecContext): BgpMessage {
  switch (rng.int(5)) {
    case 0: {
      const caps = [];
      if (rng.bool()) caps.push({ type: 'multiprotocol' as const, afi: 1, safi: 1 });
      if (rng.bool()) caps.push({ type: 'route-refresh' as const });
      if (rng.bool()) caps.push({ type: 'four-octet-as' as const, asn: genAsn(rng) });
      if (rng.int(4) === 0) caps.push({ type: 'graceful-restart' as const, restarting: rng.bool(), notification: rng.bool(), restartTime: rng.int(4096), families: [{ afi: 1, safi: 1, forwardingPreserved: rng.bool() }] });
      if (rng.int(4) === 0) caps.push({ type: 'add-path' as const, families: [{ afi: 1, safi: 1, sendReceive: rng.pick([1, 2, 3] as const) }] });
      if (rng.int(4) === 0) caps.push({ type: 'enhanced-route-refresh' as const });
      if (rng.int(4) === 0) caps.push({ type: 'unknown' as const, code: rng.pick([3, 5, 71, 73, 128]), value: rng.bytes(rng.int(8)) });
      const hold = rng.bool() ? 0 : 3 + rng.int(65533);
      return { type: 'OPEN', version: 4, myAs: 1 + rng.int(65535), holdTime: hold, bgpId: 1 + rng.int(0xfffffffe), capabilities: caps };
    }
    case 1: {
      const addPath = ctx.addPath ?? false;
      const nlri = Array.from({ length: rng.int(8) }, () => genPrefix(rng, addPath));
      const withdrawn = Array.from({ length: rng.int(5) }, () => genPrefix(rng, addPath));
      return { type: 'UPDATE', withdrawn, nlri, attributes: nlri.length > 0 || rng.bool() ? genAttributes(rng, nlri.length > 0, ctx.as4) : {} };
    }
    case 2: return { type: 'NOTIFICATION', code: 1 + rng.int(7), subcode: rng.int(12), data: rng.bytes(rng.int(10)) };
    case 3: return { type: 'KEEPALIVE' };
    default: return { type: 'ROUTE-REFRESH', afi: 1, subtype: rng.int(3), safi: 1 };
  }
}
