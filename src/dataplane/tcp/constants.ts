/**
 * TCP's numbers, each with where it comes from. Times are milliseconds; sizes are bytes. Linux's
 * values (net.ipv4.tcp_* sysctls and include/net/tcp.h) are used where an RFC leaves a choice, so
 * kemu's pods behave like the kernels they emulate.
 */

/** RFC 6298 (2.1): the RTO before any RTT sample (Linux TCP_TIMEOUT_INIT). */
export const RTO_INITIAL_MS = 1000;
/** Linux TCP_RTO_MIN (RFC 6298 2.4 says 1 s; Linux and most stacks use 200 ms). */
export const RTO_MIN_MS = 200;
/** Linux TCP_RTO_MAX (RFC 6298 2.5: at least 60 s). */
export const RTO_MAX_MS = 120_000;
/** RFC 6298 5.7: the RTO once established after a retransmitted SYN (when no sample was taken). */
export const RTO_AFTER_SYN_LOSS_MS = 3000;

/** net.ipv4.tcp_syn_retries: SYN retransmissions before connect() fails with ETIMEDOUT (1+2+…+64 s = 127 s). */
export const SYN_RETRIES = 6;
/** net.ipv4.tcp_synack_retries: SYN-ACK retransmissions before a half-open connection is dropped. */
export const SYNACK_RETRIES = 5;
/** net.ipv4.tcp_retries2: data retransmissions before ETIMEDOUT (RFC 1122 4.2.3.5 R2, ~15 min). */
export const DATA_RETRIES = 15;

/** 2·MSL for TIME-WAIT: Linux TCP_TIMEWAIT_LEN (60 s), not RFC 9293's 4 min. */
export const TIME_WAIT_MS = 60_000;
/** net.ipv4.tcp_fin_timeout: how long an orphaned connection (closed by its application) waits in FIN-WAIT-2. */
export const FIN_TIMEOUT_MS = 60_000;
/** Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): Linux's TCP_DELACK_MIN, 40 ms. */
export const DELAYED_ACK_MS = 40;
/** The most data one ACK covers: GRO's 64 KiB super-segment (segments of one poll share an ACK). */
export const MAX_STRETCH_ACK_BYTES = 65_536;

/** net.ipv4.tcp_keepalive_time / _intvl / _probes. */
export const KEEPALIVE_IDLE_MS = 7_200_000;
export const KEEPALIVE_INTERVAL_MS = 75_000;
export const KEEPALIVE_PROBES = 9;

/** RFC 9293 3.7.1: the MSS assumed when the peer sends no MSS option. */
export const DEFAULT_PEER_MSS = 536;
/** IPv4 (20) + TCP (20) header bytes: MSS = MTU − 40 (RFC 9293 3.7.1). */
export const TCP_IP_HEADERS = 40;
/** RFC 7323 2.3: the largest window shift. */
export const MAX_WINDOW_SCALE = 14;
/** RFC 6928: the initial window is min(10·MSS, max(2·MSS, 14600)). */
export const INITIAL_WINDOW_SEGMENTS = 10;
export const INITIAL_WINDOW_BYTES = 14_600;

/** Receive and send buffer sizes (Linux autotunes tcp_rmem/tcp_wmem up to 6/4 MiB; kemu fixes them). */
export const DEFAULT_RECEIVE_BUFFER = 512 * 1024;
export const DEFAULT_SEND_BUFFER = 1 << 20;

/** Linux's ephemeral range (net.ipv4.ip_local_port_range), shared with UDP. */
export { EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX } from '../stack/udp.js';
/** Node's net.Server default backlog (Linux caps it with somaxconn = 4096). */
export const DEFAULT_BACKLOG = 511;
