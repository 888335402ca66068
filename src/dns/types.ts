/**
 * The DNS core's vocabulary, as CoreDNS's: a Handler answers one request (or declines with
 * undefined), a Plugin wraps the next Handler. Nothing here knows about sockets, so the same chain
 * serves the 127.0.0.1 listener and, later, a UDP socket inside a pod's network namespace.
 * Records are dns-packet's `Answer` values; names carry no trailing dot (dns-packet's convention).
 */
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';

export type Transport = 'udp' | 'tcp';

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended (EDNS) rcode: the header carries the low 4 bits, OPT the rest. */
  BADVERS: 16,
} as const;

export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  16: 'BADVERS',
};

export interface DnsRequest {
  id: number;
  /** The question name as received (case kept, no trailing dot; "" for the root). */
  name: string;
  /** The same name lower-cased: what lookups use (DNS names are case-insensitive). */
  qname: string;
  type: RecordType;
  qclass: string;
  rd: boolean;
  cd: boolean;
  /** The query carried an OPT record (EDNS0). */
  edns: boolean;
  /** DNSSEC OK bit from the OPT record; part of the cache key, as in CoreDNS. */
  do: boolean;
  transport: Transport;
  remote?: { address: string; port: number };
  /** The decoded query, for plugins that pass it on (forward). */
  packet: DecodedPacket;
}

export interface DnsResponse {
  rcode: number;
  authoritative: boolean;
  recursionAvailable?: boolean;
  /** Set by forward when an upstream's answer stayed truncated even over TCP. */
  truncated?: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /**
   * Set by a plugin that hands out this same object again (the cache, for hits within one second),
   * so the wire layer may keep its encoding. Plugins that derive a new response must not copy it.
   */
  shared?: boolean;
}

export type Handler = (req: DnsRequest) => Promise<DnsResponse | undefined>;
export type Plugin = (next: Handler) => Handler;

/** Something a chain exposes to the `ready` plugin (CoreDNS's Readiness interface). */
export interface Readiness {
  name: string;
  ready(): boolean;
}

/** The chain's end: nothing answered. The wire layer turns undefined into REFUSED. */
export const terminal: Handler = async () => undefined;

/** Composes plugins so the first one listed sees the request first (CoreDNS execution order). */
export function compose(plugins: Plugin[], last: Handler = terminal): Handler {
  let h = last;
  for (let i = plugins.length - 1; i >= 0; i--) h = plugins[i]!(h);
  return h;
}

export function emptyResponse(rcode: number, authoritative = false): DnsResponse {
  return { rcode, authoritative, answers: [], authorities: [], additionals: [] };
}
