/**
 * TCP on kemu's packet plane (RFC 9293 with NewReno, RFC 6298 timers, RFC 7323 window scaling):
 * TcpLayer.of(ns) per namespace, Node-style TcpServer and TcpSocket (a Duplex), and the pure
 * connection core for whoever wants to drive it by hand. See docs/tcp.md.
 */
export { TcpLayer, type TcpLayerOptions, type ConnectOptions, type ListenOptions } from './layer.js';
export { TcpServer } from './server.js';
export { TcpSocket } from './socket.js';
export type { TcpEndpoint } from './endpoint.js';
export { TcpConnection, type ConnectionOptions, windowScaleFor } from './connection.js';
export { type ConnectionEvents, type TcpState, isSynchronized } from './state.js';
export type { InSegment, OutSegment } from './segment.js';
export { type TcpCounters, type TcpStats, newTcpCounters } from './stats.js';
export { socketError, type SocketError } from './errors.js';
export * from './constants.js';
