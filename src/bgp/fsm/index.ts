/** Public API of kemu's BGP FSM (sockets apart: see Transport). */
export * from './types.js';
export * from './transport.js';
export * from './negotiate.js';
export * from './events.js';
export * from './fsm.js';
export * from './peer.js';
export * from './timers.js';
