/** One entry point for whole messages: decodeMessage dispatches on the header type, encodeMessage back. */
import { ErrorCode, HeaderSubcode, MessageType } from './constants.js';
import type { CodecContext } from './context.js';
import { type BgpResult, bgpFail } from './errors.js';
import { decodeHeader } from './header.js';
import { type OpenMessage, decodeOpen, encodeOpen } from './open.js';
import {
  type NotificationMessage, type RouteRefreshMessage, decodeNotification, decodeRouteRefresh, encodeKeepalive,
  encodeNotification, encodeRouteRefresh,
} from './simple.js';
import { type DecodedUpdate, type UpdateMessage, decodeUpdate, encodeUpdate } from './update.js';

export type BgpMessage =
  | ({ type: 'OPEN' } & OpenMessage)
  | ({ type: 'UPDATE' } & UpdateMessage)
  | ({ type: 'NOTIFICATION' } & NotificationMessage)
  | { type: 'KEEPALIVE' }
  | ({ type: 'ROUTE-REFRESH' } & RouteRefreshMessage);

/** What decodeMessage returns: an UPDATE also carries its non-fatal errors. */
export type DecodedMessage = Exclude<BgpMessage, { type: 'UPDATE' }> | ({ type: 'UPDATE' } & DecodedUpdate);

/**
 * Decodes one whole message (as the Framer yields them). The header is checked again so that this
 * also works on bytes that did not come through a Framer; trailing octets beyond the header's
 * length are a Bad Message Length.
 */
export function decodeMessage(msg: Uint8Array, ctx: CodecContext): BgpResult<DecodedMessage> {
  const header = decodeHeader(msg);
  if (!header.ok) return header;
  if (header.value.length !== msg.length) {
    return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `length field ${header.value.length} but ${msg.length} octets`, msg.slice(16, 18));
  }
  switch (header.value.type) {
    case MessageType.OPEN: return tag('OPEN', decodeOpen(msg));
    case MessageType.UPDATE: return tag('UPDATE', decodeUpdate(msg, ctx));
    case MessageType.NOTIFICATION: return tag('NOTIFICATION', decodeNotification(msg));
    case MessageType.KEEPALIVE: return { ok: true, value: { type: 'KEEPALIVE' } };
    case MessageType.ROUTE_REFRESH: return tag('ROUTE-REFRESH', decodeRouteRefresh(msg));
  }
}

function tag<K extends string, T>(type: K, r: BgpResult<T>): BgpResult<{ type: K } & T> {
  return r.ok ? { ok: true, value: { type, ...r.value } } : r;
}

export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  switch (msg.type) {
    case 'OPEN': return encodeOpen(msg);
    case 'UPDATE': return encodeUpdate(msg, ctx);
    case 'NOTIFICATION': return encodeNotification(msg);
    case 'KEEPALIVE': return encodeKeepalive();
    case 'ROUTE-REFRESH': return encodeRouteRefresh(msg);
  }
}
