/** Public API of kemu's pure BGP-4 codec. */
export * from './constants.js';
export * from './errors.js';
export * from './context.js';
export * from './prefix.js';
export * from './header.js';
export * from './framer.js';
export * from './capabilities.js';
export * from './open.js';
export * from './as-path.js';
export * from './attributes.js';
export * from './attributes-encode.js';
export * from './update.js';
export * from './simple.js';
export * from './message.js';
