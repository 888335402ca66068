/** OPEN (RFC 4271 §4.2) with its checks (§6.2), capabilities in optional parameter 2 (RFC 5492). */
import { readU16, readU32, writeU16, writeU32 } from '../../net/bytes.js';
import {
  AS_TRANS, BGP_VERSION, ErrorCode, HEADER_LEN, MessageType, OpenSubcode, OptParamType,
} from './constants.js';
import { type Capability, capabilityCode, decodeCapability, encodeCapability } from './capabilities.js';
import { type BgpError, type BgpResult, bgpError, bgpFail, bgpOk, checkUintField } from './errors.js';
import { frameMessage } from './header.js';

export interface OpenMessage {
  version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets). */
  myAs: number;
  /** Seconds; 0 or >= 3. */
  holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number. */
  bgpId: number;
  capabilities: Capability[];
}

/** The sender's real AS: the 4-octet AS capability when present (RFC 6793 §4.1), else My Autonomous System. */
export function openAsn(open: OpenMessage): number {
  const cap = open.capabilities.find((c) => c.type === 'four-octet-as');
  return cap?.type === 'four-octet-as' ? cap.asn : open.myAs;
}

/**
 * Builds an OPEN for `asn`: the My AS field carries AS_TRANS when the AS needs 4 octets, and the
 * 4-octet AS capability is included whenever the caller lists it.
 */
export function encodeOpen(open: OpenMessage): Uint8Array {
  checkUintField(open.myAs, 16, 'myAs');
  checkUintField(open.holdTime, 16, 'holdTime');
  checkUintField(open.bgpId, 32, 'bgpId');
  // One capability per optional parameter, as GoBGP and BIRD send them; both layouts are decoded.
  const params = open.capabilities.map((c) => {
    const cap = encodeCapability(c);
    const p = new Uint8Array(2 + cap.length);
    p[0] = OptParamType.CAPABILITIES;
    p[1] = cap.length;
    p.set(cap, 2);
    return p;
  });
  const optLen = params.reduce((n, p) => n + p.length, 0);
  checkUintField(optLen, 8, 'optional parameters length');
  const body = new Uint8Array(10 + optLen);
  body[0] = open.version;
  writeU16(body, 1, open.myAs);
  writeU16(body, 3, open.holdTime);
  writeU32(body, 5, open.bgpId);
  body[9] = optLen;
  let off = 10;
  for (const p of params) {
    body.set(p, off);
    off += p.length;
  }
  return frameMessage(MessageType.OPEN, body);
}

export function myAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/**
 * Decodes a whole OPEN message (header included). The checks that need no configuration are made
 * here: version 4, a parsable parameter list, only the Capabilities parameter, AS not 0 (RFC 7607),
 * identifier not 0 (RFC 6286), hold time not 1 or 2. The rest is in checkOpen.
 */
export function decodeOpen(msg: Uint8Array): BgpResult<OpenMessage> {
  const b = msg.subarray(HEADER_LEN);
  if (b.length < 10) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, `OPEN body of ${b.length} octets < 10`);
  const version = b[0]!;
  if (version !== BGP_VERSION) {
    // Data: the largest locally supported version (RFC 4271 §6.2).
    return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_VERSION_NUMBER, `version ${version}`, Uint8Array.of(0, BGP_VERSION));
  }
  const myAs = readU16(b, 1);
  const holdTime = readU16(b, 3);
  const bgpId = readU32(b, 5);
  const optLen = b[9]!;
  if (10 + optLen !== b.length) {
    return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, `optional parameters length ${optLen} disagrees with message length`);
  }
  const capabilities: Capability[] = [];
  for (let off = 10; off < b.length;) {
    if (b.length - off < 2) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, 'truncated optional parameter');
    const type = b[off]!;
    const len = b[off + 1]!;
    if (off + 2 + len > b.length) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, `optional parameter ${type} overruns`);
    if (type !== OptParamType.CAPABILITIES) {
      return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    for (let c = off + 2; c < off + 2 + len;) {
      if (off + 2 + len - c < 2) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, 'truncated capability');
      const code = b[c]!;
      const clen = b[c + 1]!;
      if (c + 2 + clen > off + 2 + len) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, `capability ${code} overruns its parameter`);
      const cap = decodeCapability(code, b.subarray(c + 2, c + 2 + clen));
      if (!cap.ok) return cap;
      capabilities.push(cap.value);
      c += 2 + clen;
    }
    off += 2 + len;
  }
  const open: OpenMessage = { version, myAs, holdTime, bgpId, capabilities };
  if (myAs === 0 || openAsn(open) === 0) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, 'AS 0');
  if (holdTime === 1 || holdTime === 2) {
    return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} s (must be 0 or >= 3)`);
  }
  if (bgpId === 0) return bgpFail(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier 0.0.0.0');
  return bgpOk(open);
}

export interface OpenExpectations {
  /** The AS configured for this peer. */
  peerAs: number;
  localAs: number;
  localBgpId: number;
  /** Capabilities the local side insists on (RFC 5492 §5: else Unsupported Capability). */
  required?: Capability[];
}

/** The checks that depend on configuration: peer AS, identifier clash inside one AS, required capabilities. */
export function checkOpen(open: OpenMessage, expect: OpenExpectations): BgpError | undefined {
  const asn = openAsn(open);
  if (asn !== expect.peerAs) {
    return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, `peer AS ${asn}, configured ${expect.peerAs}`);
  }
  // RFC 6286 §2.1: identifiers must differ within an AS; across ASes (eBGP) they may match.
  if (open.bgpId === expect.localBgpId && asn === expect.localAs) {
    return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, 'peer uses our BGP identifier');
  }
  const missing = (expect.required ?? []).filter((want) => {
    const code = capabilityCode(want);
    return !open.capabilities.some((c) => capabilityCode(c) === code &&
      (want.type !== 'multiprotocol' || (c.type === 'multiprotocol' && c.afi === want.afi && c.safi === want.safi)));
  });
  if (missing.length > 0) {
    // Data: the capabilities that caused the failure (RFC 5492 §3).
    const data = concatAll(missing.map(encodeCapability));
    return bgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_CAPABILITY, `peer lacks capabilities ${missing.map(capabilityCode).join(',')}`, data);
  }
  return undefined;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
