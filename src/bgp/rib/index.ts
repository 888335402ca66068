/** Public API of kemu's pure BGP RIB. */
export * from './types.js';
export * from './best-path.js';
export * from './policy.js';
export * from './rib.js';
export * from './attrs-key.js';
export * from './update-groups.js';
