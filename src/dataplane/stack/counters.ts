/**
 * Counters of a device and of a namespace. Every received frame ends in exactly one terminal counter
 * (a drop reason, `delivered`, `forwarded`, `bridged`, `arpIn` or `fragmentsHeld`), so tests and
 * `kemu` can account for every byte that entered a host.
 */

import type { CodecErrorCode } from '../../net/index.js';

/**
 * Stable, readable drop reasons derived from codec codes: ('ip', ERR_BAD_CHECKSUM) → 'ip-bad-checksum',
 * ('frag', ERR_FRAG_OVERLAP) → 'frag-overlap'.
 */
export function dropReason(prefix: string, code: CodecErrorCode): string {
  const name = code.slice(4).toLowerCase().replace(/_/g, '-');
  return name.startsWith(`${prefix}-`) ? name : `${prefix}-${name}`;
}

export class DropCounters {
  readonly byReason = new Map<string, number>();
  total = 0;

  add(reason: string): void {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    this.total++;
  }

  get(reason: string): number {
    return this.byReason.get(reason) ?? 0;
  }
}

export class DeviceCounters {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  rxDropped = 0;
  txDropped = 0;
  /** Both directions, by reason (e.g. 'other-host', 'oversize', 'neigh-failed'). */
  readonly drops = new DropCounters();
}

export class NamespaceCounters {
  ipInReceives = 0;
  /** Consumed by a protocol layer (ICMP, UDP or a registered handler). */
  delivered = 0;
  forwarded = 0;
  /** Frames switched port to port by a bridge of this namespace. */
  bridged = 0;
  /** ARP packets processed (answered, learnt from or ignored as not for us). */
  arpIn = 0;
  /** Fragments kept by reassembly until their datagram completes. */
  fragmentsHeld = 0;
  reassembled = 0;
  reassemblyTimeouts = 0;
  fragmentsCreated = 0;
  ipOutRequests = 0;
  icmpOutErrors = 0;
  icmpRateLimited = 0;
  /** Exceptions caught in the receive path (bugs: nothing should ever land here) and in app callbacks. */
  internalErrors = 0;
  handlerErrors = 0;
  /** L3 drops by reason ('no-route', 'ttl-exceeded', 'ip-bad-checksum', 'netfilter-FORWARD'...). */
  readonly drops = new DropCounters();
}
