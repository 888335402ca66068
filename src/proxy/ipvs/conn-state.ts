/**
 * IPVS connection states and timeouts (ip_vs_proto_tcp.c tcp_states / tcp_timeouts, ip_vs_proto_udp.c).
 * IPVS tracks TCP on its own, from the flags it sees in each direction: "input" is client → virtual
 * service, "output" is real server → client. `ipvsadm --set tcp tcpfin udp` changes the ESTABLISHED,
 * FIN_WAIT and UDP timeouts; `ipvsadm -L --timeout` prints them (900 120 300 by default).
 */

export type TcpConnState =
  | 'NONE' | 'ESTABLISHED' | 'SYN_SENT' | 'SYN_RECV' | 'FIN_WAIT' | 'TIME_WAIT' | 'CLOSE' | 'CLOSE_WAIT' | 'LAST_ACK' | 'LISTEN' | 'SYNACK';
export type ConnState = TcpConnState | 'UDP';

/** Seconds. */
export interface IpvsTimeouts {
  tcp: number;
  tcpfin: number;
  udp: number;
}

export const DEFAULT_IPVS_TIMEOUTS: Readonly<IpvsTimeouts> = { tcp: 900, tcpfin: 120, udp: 300 };

/** tcp_timeouts, in seconds; ESTABLISHED and FIN_WAIT come from IpvsTimeouts. */
const TCP_TIMEOUTS: Readonly<Record<TcpConnState, number>> = {
  NONE: 2, ESTABLISHED: 900, SYN_SENT: 120, SYN_RECV: 60, FIN_WAIT: 120, TIME_WAIT: 120, CLOSE: 10, CLOSE_WAIT: 60,
  LAST_ACK: 30, LISTEN: 120, SYNACK: 120,
};

export function stateTimeout(state: ConnState, t: IpvsTimeouts): number {
  if (state === 'UDP') return t.udp;
  if (state === 'ESTABLISHED') return t.tcp;
  if (state === 'FIN_WAIT') return t.tcpfin;
  return TCP_TIMEOUTS[state];
}

const S: readonly TcpConnState[] = ['NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK'];
const idx = (s: TcpConnState): number => S.indexOf(s);

// Rows: syn, fin, ack, rst; columns in S order. Transcribed from tcp_states (the NAT/masquerade table).
const INPUT: readonly (readonly TcpConnState[])[] = [
  ['SYN_RECV', 'ESTABLISHED', 'ESTABLISHED', 'SYN_RECV', 'SYN_RECV', 'SYN_RECV', 'SYN_RECV', 'SYN_RECV', 'SYN_RECV', 'SYN_RECV', 'SYN_RECV'],
  ['CLOSE', 'CLOSE_WAIT', 'SYN_SENT', 'TIME_WAIT', 'TIME_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'TIME_WAIT'],
  ['ESTABLISHED', 'ESTABLISHED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'CLOSE', 'LISTEN', 'ESTABLISHED'],
  ['CLOSE', 'CLOSE', 'CLOSE', 'SYN_RECV', 'CLOSE', 'CLOSE', 'CLOSE', 'CLOSE', 'LAST_ACK', 'LISTEN', 'SYN_RECV'],
];
const OUTPUT: readonly (readonly TcpConnState[])[] = [
  ['SYN_SENT', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'SYN_SENT', 'SYN_SENT', 'SYN_SENT', 'SYN_SENT', 'SYN_SENT', 'LISTEN', 'SYN_RECV'],
  ['TIME_WAIT', 'FIN_WAIT', 'SYN_SENT', 'TIME_WAIT', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'TIME_WAIT', 'LAST_ACK', 'LISTEN', 'TIME_WAIT'],
  ['ESTABLISHED', 'ESTABLISHED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'ESTABLISHED', 'ESTABLISHED'],
  ['CLOSE', 'CLOSE', 'SYN_SENT', 'CLOSE', 'CLOSE', 'TIME_WAIT', 'CLOSE', 'CLOSE', 'CLOSE', 'CLOSE', 'CLOSE'],
];

const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10;

/** tcp_state_idx: RST over SYN over FIN over ACK; -1 for a segment with none (no change). */
function flagRow(flags: number): number {
  if (flags & TCP_RST) return 3;
  if (flags & TCP_SYN) return 0;
  if (flags & TCP_FIN) return 1;
  if (flags & TCP_ACK) return 2;
  return -1;
}

/** set_tcp_state: the state after a segment with `flags` in direction `dir`. */
export function nextTcpState(state: TcpConnState, dir: 'input' | 'output', flags: number): TcpConnState {
  const row = flagRow(flags);
  if (row < 0) return state;
  return (dir === 'input' ? INPUT : OUTPUT)[row]![idx(state)]!;
}

/** The state a connection starts in: its first packet seen as input from NONE. */
export function initialState(protocol: 'TCP' | 'UDP', flags: number): ConnState {
  return protocol === 'UDP' ? 'UDP' : nextTcpState('NONE', 'input', flags);
}

/** A SYN (without ACK) to a connection in one of these reopens it (conn_reuse_mode): the old entry expires. */
export function reusable(state: ConnState): boolean {
  return state === 'TIME_WAIT' || state === 'CLOSE' || state === 'FIN_WAIT' || state === 'CLOSE_WAIT' || state === 'LAST_ACK';
}

export function isSynOnly(flags: number): boolean {
  return (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN;
}
