/** Public API of kemu's BGP-4: pure codec and RIB, the FSM (transport-agnostic), and the speaker. */
export * as codec from './codec/index.js';
export * as rib from './rib/index.js';
export * as fsm from './fsm/index.js';
export * from './speaker.js';
export * from './net-transport.js';
export * from './stream-transport.js';
export type { RouteChange } from './rib/index.js';
