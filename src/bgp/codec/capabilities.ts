/**
 * Capabilities Advertisement (RFC 5492) and the capabilities kemu knows: multiprotocol (RFC 4760),
 * route refresh (RFC 2918) and enhanced route refresh (RFC 7313), graceful restart (RFC 4724),
 * 4-octet AS (RFC 6793), ADD-PATH (RFC 7911). Unknown capabilities are kept as raw values: RFC 5492
 * says a speaker ignores capabilities it does not understand.
 */
import { readU16, readU32, writeU16, writeU32 } from '../../net/bytes.js';
import { CapabilityCode, ErrorCode, OpenSubcode } from './constants.js';
import { type BgpResult, bgpFail, bgpOk, checkUintField } from './errors.js';

export interface AfiSafi {
  afi: number;
  safi: number;
}

export type Capability =
  | ({ type: 'multiprotocol' } & AfiSafi)
  | { type: 'route-refresh' }
  | { type: 'enhanced-route-refresh' }
  | { type: 'four-octet-as'; asn: number }
  | {
    type: 'graceful-restart';
    /** R bit: the sender has restarted. */
    restarting: boolean;
    /** N bit (RFC 8538): the sender supports graceful NOTIFICATION. */
    notification: boolean;
    /** Seconds, 12 bits. */
    restartTime: number;
    families: (AfiSafi & { forwardingPreserved: boolean })[];
  }
  | { type: 'add-path'; families: (AfiSafi & { sendReceive: 1 | 2 | 3 })[] }
  | { type: 'unknown'; code: number; value: Uint8Array };

const malformed = (reason: string): BgpResult<never> =>
  bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, `malformed capability: ${reason}`);

/** Decodes one capability value. A known capability with an impossible length is an OPEN error (unspecific subcode). */
export function decodeCapability(code: number, v: Uint8Array): BgpResult<Capability> {
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      if (v.length !== 4) return malformed(`multiprotocol length ${v.length} != 4`);
      return bgpOk({ type: 'multiprotocol', afi: readU16(v, 0), safi: v[3]! });
    case CapabilityCode.ROUTE_REFRESH:
      if (v.length !== 0) return malformed(`route refresh length ${v.length} != 0`);
      return bgpOk({ type: 'route-refresh' });
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      if (v.length !== 0) return malformed(`enhanced route refresh length ${v.length} != 0`);
      return bgpOk({ type: 'enhanced-route-refresh' });
    case CapabilityCode.FOUR_OCTET_AS:
      if (v.length !== 4) return malformed(`4-octet AS length ${v.length} != 4`);
      return bgpOk({ type: 'four-octet-as', asn: readU32(v, 0) });
    case CapabilityCode.GRACEFUL_RESTART: {
      if (v.length < 2 || (v.length - 2) % 4 !== 0) return malformed(`graceful restart length ${v.length}`);
      const families = [];
      for (let off = 2; off < v.length; off += 4) {
        families.push({ afi: readU16(v, off), safi: v[off + 2]!, forwardingPreserved: (v[off + 3]! & 0x80) !== 0 });
      }
      return bgpOk({
        type: 'graceful-restart', restarting: (v[0]! & 0x80) !== 0, notification: (v[0]! & 0x40) !== 0,
        restartTime: readU16(v, 0) & 0x0fff, families,
      });
    }
    case CapabilityCode.ADD_PATH: {
      if (v.length === 0 || v.length % 4 !== 0) return malformed(`ADD-PATH length ${v.length}`);
      const families = [];
      for (let off = 0; off < v.length; off += 4) {
        const sr = v[off + 3]!;
        if (sr < 1 || sr > 3) return malformed(`ADD-PATH send/receive ${sr}`);
        families.push({ afi: readU16(v, off), safi: v[off + 2]!, sendReceive: sr as 1 | 2 | 3 });
      }
      return bgpOk({ type: 'add-path', families });
    }
    default:
      return bgpOk({ type: 'unknown', code, value: v.slice() });
  }
}

/** Encodes one capability as code, length, value. */
export function encodeCapability(cap: Capability): Uint8Array {
  let code: number;
  let v: Uint8Array;
  switch (cap.type) {
    case 'multiprotocol':
      checkUintField(cap.afi, 16, 'afi');
      checkUintField(cap.safi, 8, 'safi');
      code = CapabilityCode.MULTIPROTOCOL;
      v = Uint8Array.of(cap.afi >> 8, cap.afi & 0xff, 0, cap.safi);
      break;
    case 'route-refresh':
      code = CapabilityCode.ROUTE_REFRESH;
      v = new Uint8Array(0);
      break;
    case 'enhanced-route-refresh':
      code = CapabilityCode.ENHANCED_ROUTE_REFRESH;
      v = new Uint8Array(0);
      break;
    case 'four-octet-as':
      checkUintField(cap.asn, 32, 'asn');
      code = CapabilityCode.FOUR_OCTET_AS;
      v = new Uint8Array(4);
      writeU32(v, 0, cap.asn);
      break;
    case 'graceful-restart':
      checkUintField(cap.restartTime, 12, 'restartTime');
      code = CapabilityCode.GRACEFUL_RESTART;
      v = new Uint8Array(2 + 4 * cap.families.length);
      writeU16(v, 0, (cap.restarting ? 0x8000 : 0) | (cap.notification ? 0x4000 : 0) | cap.restartTime);
      cap.families.forEach((f, i) => {
        writeU16(v, 2 + 4 * i, f.afi);
        v[4 + 4 * i] = f.safi;
        v[5 + 4 * i] = f.forwardingPreserved ? 0x80 : 0;
      });
      break;
    case 'add-path':
      code = CapabilityCode.ADD_PATH;
      v = new Uint8Array(4 * cap.families.length);
      cap.families.forEach((f, i) => {
        writeU16(v, 4 * i, f.afi);
        v[2 + 4 * i] = f.safi;
        v[3 + 4 * i] = f.sendReceive;
      });
      break;
    case 'unknown':
      checkUintField(cap.code, 8, 'capability code');
      code = cap.code;
      v = cap.value;
      break;
  }
  checkUintField(v.length, 8, 'capability length');
  const out = new Uint8Array(2 + v.length);
  out[0] = code;
  out[1] = v.length;
  out.set(v, 2);
  return out;
}

export function capabilityCode(cap: Capability): number {
  return encodeCapability(cap)[0]!;
}
