/** Reading objects' status conditions the way kubectl and the controllers do. */
import type { Node } from './types.js';

/** A node's Ready condition is True (Unknown and False are both not ready). */
export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}
