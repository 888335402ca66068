/**
 * The receive backlog, as Linux's netif_rx: a device that gets a frame queues it here, and the queue
 * is drained by whoever got there first. Delivery stays synchronous (after `send` returns, everything
 * it caused has run, which keeps tests free of awaits) while the stack depth stays bounded: a frame
 * sent while a frame is being processed waits in the queue instead of recursing, so ping-pong between
 * namespaces or a broadcast storm cannot overflow the stack.
 */

import { type Clock, RealClock } from '../../util/clock.js';

export interface BacklogReceiver {
  /** Processes one frame or packet; must not throw (implementations catch and count). */
  backlogReceive(data: Uint8Array): void;
}

// Parallel arrays used as a queue [head, tail): slots are cleared as they are consumed and the
// arrays keep their size between drains (truncating them is a runtime call on every drain).
const receivers: Array<BacklogReceiver | undefined> = [];
const items: Array<Uint8Array | undefined> = [];
let head = 0;
let tail = 0;
let draining = false;
/** Exceptions that escaped a receiver: bugs, counted so tests can assert there were none. */
export const backlogStats = { processed: 0, escapedErrors: 0, lastError: undefined as unknown };

export function netifRx(receiver: BacklogReceiver, data: Uint8Array): void {
  receivers[tail] = receiver;
  items[tail] = data;
  tail++;
  if (draining) return;
  draining = true;
  try {
    while (head < tail) {
      const r = receivers[head]!;
      const d = items[head]!;
      receivers[head] = undefined; // a long drain (a storm, a ping-pong from handlers) must not keep every frame alive
      items[head] = undefined;
      head++;
      if (head === 4096) compact();
      backlogStats.processed++;
      try {
        r.backlogReceive(d);
      } catch (err) {
        backlogStats.escapedErrors++;
        backlogStats.lastError = err;
      }
    }
  } finally {
    for (let i = head; i < tail; i++) {
      receivers[i] = undefined;
      items[i] = undefined;
    }
    head = 0;
    tail = 0;
    draining = false;
    nowClock = undefined;
  }
}

/** Moves the waiting entries to the front, so a drain that never empties does not grow the arrays forever. */
function compact(): void {
  receivers.copyWithin(0, head, tail);
  items.copyWithin(0, head, tail);
  const waiting = tail - head;
  for (let i = waiting; i < tail; i++) {
    receivers[i] = undefined;
    items[i] = undefined;
  }
  head = 0;
  tail = waiting;
}

let nowClock: Clock | undefined;
let nowValue = 0;

/**
 * "Now" for the stack's bookkeeping (netfilter, ARP reachability, bridge ageing): with a real clock
 * it is read once per drain — everything a received frame causes runs synchronously within
 * microseconds, and Linux uses jiffies here — instead of several times per packet (a precise clock
 * costs ~60 ns a read). A FakeClock is read every time: tests move it by hand, even from handlers.
 */
export function stackNow(clock: Clock): number {
  if (!draining || !(clock instanceof RealClock)) return clock.now();
  if (clock !== nowClock) {
    nowClock = clock;
    nowValue = clock.now();
  }
  return nowValue;
}
