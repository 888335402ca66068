/** NOTIFICATION (RFC 4271 §4.5), KEEPALIVE (§4.4) and ROUTE-REFRESH (RFC 2918, subtypes of RFC 7313). */
import { readU16, writeU16 } from '../../net/bytes.js';
import { ErrorCode, HEADER_LEN, HeaderSubcode, MessageType, RouteRefreshSubcode } from './constants.js';
import { type BgpError, type BgpResult, bgpFail, bgpOk, checkUintField } from './errors.js';
import { frameMessage } from './header.js';

export interface NotificationMessage {
  code: number;
  subcode: number;
  data: Uint8Array;
}

export interface RouteRefreshMessage {
  afi: number;
  /** RFC 7313 Message Subtype: 0 normal request, 1 BoRR, 2 EoRR (the old Reserved octet). */
  subtype: number;
  safi: number;
}

export function encodeNotification(n: NotificationMessage): Uint8Array {
  checkUintField(n.code, 8, 'code');
  checkUintField(n.subcode, 8, 'subcode');
  const body = new Uint8Array(2 + n.data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(n.data, 2);
  return frameMessage(MessageType.NOTIFICATION, body);
}

/** The NOTIFICATION that reports a decoding error, its data cut to fit one message. */
export function notificationFor(error: BgpError): NotificationMessage {
  return { code: error.code, subcode: error.subcode, data: error.data.subarray(0, 4096 - 21) };
}

export function decodeNotification(msg: Uint8Array): BgpResult<NotificationMessage> {
  return bgpOk({ code: msg[HEADER_LEN]!, subcode: msg[HEADER_LEN + 1]!, data: msg.slice(HEADER_LEN + 2) });
}

export function encodeKeepalive(): Uint8Array {
  return frameMessage(MessageType.KEEPALIVE, new Uint8Array(0));
}

export function encodeRouteRefresh(r: RouteRefreshMessage): Uint8Array {
  checkUintField(r.afi, 16, 'afi');
  checkUintField(r.subtype, 8, 'subtype');
  checkUintField(r.safi, 8, 'safi');
  const body = new Uint8Array(4);
  writeU16(body, 0, r.afi);
  body[2] = r.subtype;
  body[3] = r.safi;
  return frameMessage(MessageType.ROUTE_REFRESH, body);
}

/**
 * ROUTE-REFRESH is exactly 23 octets. RFC 7313 §5 reports a wrong length on a BoRR/EoRR as a
 * ROUTE-REFRESH Message Error carrying the whole message; for a plain request it is the header's
 * Bad Message Length.
 */
export function decodeRouteRefresh(msg: Uint8Array): BgpResult<RouteRefreshMessage> {
  const subtype = msg[HEADER_LEN + 2]!;
  if (msg.length !== HEADER_LEN + 4) {
    if (subtype === 1 || subtype === 2) {
      return bgpFail(ErrorCode.ROUTE_REFRESH_MESSAGE, RouteRefreshSubcode.INVALID_MESSAGE_LENGTH, `length ${msg.length}`, msg.slice());
    }
    return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `ROUTE-REFRESH length ${msg.length}`, msg.slice(16, 18));
  }
  return bgpOk({ afi: readU16(msg, HEADER_LEN), subtype, safi: msg[HEADER_LEN + 3]! });
}
