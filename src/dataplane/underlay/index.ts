/**
 * The underlay: L2 segments carrying Ethernet frames between simulated hosts. The default is
 * DgramSegment (one real loopback UDP socket per attached device); InMemorySegment has the same
 * semantics without sockets. See docs/underlay.md.
 */
import { DgramSegment, type DgramSegmentOptions } from './dgram.js';
import { InMemorySegment } from './memory.js';

export * from './params.js';
export * from './counters.js';
export { Egress, type EgressDrop, type EgressOptions, type EgressSink } from './impair.js';
export { UnderlayPort, UnderlaySegment, macKey, type AttachOptions, type SegmentOptions } from './segment.js';
export { DgramSegment, DgramPort, assertLoopback, type DgramSegmentOptions } from './dgram.js';
export { InMemorySegment } from './memory.js';

export type UnderlayKind = 'dgram' | 'memory';

/** A segment of the given kind; 'dgram' (real UDP on loopback) unless asked otherwise. */
export function createSegment(name: string, opts: DgramSegmentOptions & { kind?: UnderlayKind } = {}): DgramSegment | InMemorySegment {
  const { kind = 'dgram', ...rest } = opts;
  return kind === 'memory' ? new InMemorySegment(name, rest) : new DgramSegment(name, rest);
}
