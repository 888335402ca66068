/**
 * The receive backlog, as Linux's netif_rx: a device that gets a frame queues it here, and the queue
 * is drained by whoever got there first. Delivery stays synchronous (after `send` returns, everything
 * it caused has run, which keeps tests free of awaits) while the stack depth stays bounded: a frame
 * sent while a frame is being processed waits in the queue instead of recursing, so ping-pong between
 * namespaces or a broadcast storm cannot overflow the stack.
 */

export interface BacklogReceiver {
  /** Processes one frame or packet; must not throw (implementations catch and count). */
  backlogReceive(data: Uint8Array): void;
}

const receivers: BacklogReceiver[] = [];
const items: Uint8Array[] = [];
let head = 0;
let draining = false;
/** Exceptions that escaped a receiver: bugs, counted so tests can assert there were none. */
export const backlogStats = { processed: 0, escapedErrors: 0, lastError: undefined as unknown };

export function netifRx(receiver: BacklogReceiver, data: Uint8Array): void {
  receivers.push(receiver);
  items.push(data);
  if (draining) return;
  draining = true;
  try {
    while (head < items.length) {
      const r = receivers[head]!;
      const d = items[head]!;
      head++;
      if (head === 4096) { // a long drain (a storm, a ping-pong from handlers) must not keep every frame alive
        receivers.splice(0, head);
        items.splice(0, head);
        head = 0;
      }
      backlogStats.processed++;
      try {
        r.backlogReceive(d);
      } catch (err) {
        backlogStats.escapedErrors++;
        backlogStats.lastError = err;
      }
    }
  } finally {
    receivers.length = 0;
    items.length = 0;
    head = 0;
    draining = false;
  }
}
