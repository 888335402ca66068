/**
 * Guard against encapsulation loops (a tunnel whose outer packet is routed back into a tunnel), as
 * Linux's per-CPU xmit recursion limit does: the outer packet goes out synchronously, so the depth
 * of nested tunnel transmits is known here.
 */

import type { Route } from './routes.js';
import type { NetNamespace } from './namespace.js';

const MAX_NESTED_ENCAPSULATIONS = 4;
let depth = 0;

/**
 * Sends a tunnel's outer datagram (built by the stack: not validated again) one level deeper; false
 * (nothing sent) when the nesting limit is reached. No closure per packet: it runs for every frame.
 */
export function sendEncapsulated(ns: NetNamespace, outer: Uint8Array, route?: Route): boolean {
  if (depth >= MAX_NESTED_ENCAPSULATIONS) return false;
  depth++;
  try {
    ns.sendOwnIp(outer, route);
  } finally {
    depth--;
  }
  return true;
}
