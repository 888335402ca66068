/** Counters of a TCP layer (shared by its connections), in the spirit of `nstat`'s Tcp* / TcpExt* fields. */
import { DropCounters } from '../stack/counters.js';

export interface TcpCounters {
  segmentsIn: number;
  segmentsOut: number;
  retransmits: number;
  fastRetransmits: number;
  timeouts: number;
  duplicateAcks: number;
  outOfOrder: number;
  probes: number;
  challengeAcks: number;
  /** ICMP errors matched to a connection (unreachables, fragmentation needed). */
  icmpErrors: number;
  resetsIn: number;
  resetsOut: number;
  activeOpens: number;
  passiveOpens: number;
  /** Handshakes completed. */
  established: number;
  /** Connections that ended with an error (refused, reset, timed out, unreachable). */
  failed: number;
  bytesSent: number;
  bytesReceived: number;
  /** Segments dropped, by reason ('bad-checksum', 'short-header', 'bad-data-offset', 'out-of-window'...). */
  readonly drops: DropCounters;
}

export function newTcpCounters(): TcpCounters {
  return {
    segmentsIn: 0, segmentsOut: 0, retransmits: 0, fastRetransmits: 0, timeouts: 0, duplicateAcks: 0, outOfOrder: 0, probes: 0,
    challengeAcks: 0, icmpErrors: 0, resetsIn: 0, resetsOut: 0, activeOpens: 0, passiveOpens: 0, established: 0, failed: 0, bytesSent: 0,
    bytesReceived: 0, drops: new DropCounters(),
  };
}

/** A snapshot for `TcpLayer.stats()`: the counters plus what is open now. */
export interface TcpStats extends Omit<TcpCounters, 'drops'> {
  drops: Record<string, number>;
  /** Connections in the table by state (TIME-WAIT included). */
  connections: Record<string, number>;
  listeners: number;
}
