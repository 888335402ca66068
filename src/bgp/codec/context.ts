/** What a session negotiated that changes how UPDATEs look on the wire. */
export interface CodecContext {
  /** Both sides advertised the 4-octet AS capability (RFC 6793): AS_PATH and AGGREGATOR carry 4-octet ASNs. */
  as4: boolean;
  /** NLRI in this direction carry RFC 7911 Path Identifiers. */
  addPath?: boolean;
  /**
   * RFC 7606 revised error handling (default true). When false, every UPDATE error resets the
   * session, as plain RFC 4271 §6.3 says.
   */
  revisedErrorHandling?: boolean;
}

export const AS4_CONTEXT: CodecContext = { as4: true };
