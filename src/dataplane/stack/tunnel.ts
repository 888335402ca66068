/**
 * Guard against encapsulation loops (a tunnel whose outer packet is routed back into a tunnel), as
 * Linux's per-CPU xmit recursion limit does: the outer packet goes out synchronously, so the depth
 * of nested tunnel transmits is known here.
 */

const MAX_NESTED_ENCAPSULATIONS = 4;
let depth = 0;

/** Runs `send` one level deeper; false (nothing sent) when the nesting limit is reached. */
export function sendEncapsulated(send: () => void): boolean {
  if (depth >= MAX_NESTED_ENCAPSULATIONS) return false;
  depth++;
  try {
    send();
  } finally {
    depth--;
  }
  return true;
}
