/**
 * TCP connection tracking states and transitions, the table of nf_conntrack_proto_tcp.c
 * (tcp_conntracks) without its sequence-window checks: the state follows the flags seen in each
 * direction, which is what `conntrack -L` shows and what timeouts depend on.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../net/index.js';

export const TCP_STATES = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
] as const;
export type TcpStateName = (typeof TCP_STATES)[number];

export const sNO = 0, sSS = 1, sSR = 2, sES = 3, sFW = 4, sCW = 5, sLA = 6, sTW = 7, sCL = 8, sS2 = 9;
/** Not a state: the packet is invalid for the connection (ctstate INVALID, no state change). */
export const sIV = 10;
/** Not a state: the packet is accepted but does not move the state machine. */
export const sIG = 11;

// Rows: syn, synack, fin, ack, rst, none. Columns: the current state sNO..sS2.
const ORIGINAL: readonly number[][] = [
  [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
  [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
  [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
  [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
  [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
];
const REPLY: readonly number[][] = [
  [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
  [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
  [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
  [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
  [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
];

/** get_conntrack_index: which row of the table a segment's flags select. */
function flagIndex(flags: number): number {
  if (flags & TCP_RST) return 4;
  if (flags & TCP_SYN) return flags & TCP_ACK ? 1 : 0;
  if (flags & TCP_FIN) return 2;
  if (flags & TCP_ACK) return 3;
  return 5;
}

/** Next state (or sIV / sIG) for a segment with `flags` in direction `dir` (0 original, 1 reply). */
export function tcpTransition(state: number, dir: 0 | 1, flags: number): number {
  return (dir === 0 ? ORIGINAL : REPLY)[flagIndex(flags)]![state]!;
}

/** Linux defaults (net.netfilter.nf_conntrack_tcp_timeout_*), in seconds, indexed by state. */
export const DEFAULT_TCP_TIMEOUTS: Readonly<Record<TcpStateName, number>> = {
  NONE: 10, SYN_SENT: 120, SYN_RECV: 60, ESTABLISHED: 432000, FIN_WAIT: 120, CLOSE_WAIT: 60, LAST_ACK: 30,
  TIME_WAIT: 120, CLOSE: 10, SYN_SENT2: 120,
};
