/** Decoded messages as the RFC 4271 §8.1 events they are. */
import {
  type BgpError, type CodecContext, ErrorCode, HeaderSubcode, type NotificationMessage, OpenSubcode, decodeMessage,
  notificationName,
} from '../codec/index.js';
import type { FsmEvent } from './types.js';

export function describeNotification(n: NotificationMessage): string {
  return notificationName(n.code, n.subcode);
}

/** Turns one framed message into the RFC event it is. */
export function toEvent(msg: Uint8Array, ctx: CodecContext): FsmEvent {
  const r = decodeMessage(msg, ctx);
  if (!r.ok) return errorEvent(r.error);
  const m = r.value;
  switch (m.type) {
    case 'OPEN': return { type: 'BGPOpen', open: m };
    case 'UPDATE': return { type: 'UpdateMsg', update: m };
    case 'KEEPALIVE': return { type: 'KeepAliveMsg' };
    case 'ROUTE-REFRESH': return { type: 'RouteRefreshMsg', refresh: m };
    case 'NOTIFICATION': {
      const notification = { code: m.code, subcode: m.subcode, data: m.data };
      const version = m.code === ErrorCode.OPEN_MESSAGE && m.subcode === OpenSubcode.UNSUPPORTED_VERSION_NUMBER;
      return version ? { type: 'NotifMsgVerErr', notification } : { type: 'NotifMsg', notification };
    }
  }
}

export function errorEvent(error: BgpError): FsmEvent {
  if (error.code === ErrorCode.MESSAGE_HEADER && error.subcode !== HeaderSubcode.UNSPECIFIC) return { type: 'BGPHeaderErr', error };
  if (error.code === ErrorCode.OPEN_MESSAGE) return { type: 'BGPOpenMsgErr', error };
  return { type: 'UpdateMsgErr', error }; // UPDATE and ROUTE-REFRESH errors: the session is reset
}
