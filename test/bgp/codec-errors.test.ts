/**
 * Every NOTIFICATION the codec can detect, as a table: malformed bytes → code, subcode, data and
 * the RFC 7606 action. Messages are built by hand (support.ts), not by the encoder under test.
 */
import { expect } from 'chai';
import {
  type BgpError, type CodecContext, ErrorCode as E, HeaderSubcode as H, OpenSubcode as O, UpdateSubcode as U,
  checkOpen, decodeMessage, decodeOpen, treatAsWithdraw,
} from '../../src/bgp/codec/index.js';
import { ipv4 } from '../../src/net/addr.js';
import { BASE_ATTRS, hex, rawAttr, rawMessage, rawUpdate, toHex } from './support.js';

const M = 'ffffffffffffffffffffffffffffffff';
const AS4: CodecContext = { as4: true };
const AS2: CodecContext = { as4: false };
const NLRI = '18 c0a800'; // 192.168.0.0/24
const ORIGIN = rawAttr(0x40, 1, '00');
const ASPATH = rawAttr(0x40, 2, '02 01 0000fde9');
const NEXTHOP = rawAttr(0x40, 3, '0a000001');
/** OPEN body after the version octet: AS 65001, hold 90, id 10.0.0.1, then optional parameters. */
const open = (opt = '', version = '04', as = 'fde9', hold = '005a', id = '0a000001'): Uint8Array =>
  rawMessage(1, `${version} ${as} ${hold} ${id} ${(opt.replace(/\s+/g, '').length / 2).toString(16).padStart(2, '0')} ${opt}`);

interface Case {
  name: string;
  msg: Uint8Array;
  ctx?: CodecContext;
  code: number;
  subcode: number;
  /** Expected NOTIFICATION data as hex ('' for none); omitted = not checked. */
  data?: string;
  action: BgpError['action'];
}

const attr = (flags: number, type: number, v: string): string => rawAttr(flags, type, v);

const cases: Case[] = [
  // Message header (RFC 4271 §6.1)
  { name: 'marker not all ones', msg: hex(`fffffffffffffffffffffffffffffffe 0013 04`), code: E.MESSAGE_HEADER, subcode: H.CONNECTION_NOT_SYNCHRONIZED, data: '', action: 'session-reset' },
  { name: 'length 18 < 19', msg: hex(`${M} 0012 04`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '0012', action: 'session-reset' },
  { name: 'length 4097 > 4096', msg: hex(`${M} 1001 04`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '1001', action: 'session-reset' },
  { name: 'KEEPALIVE of 20 octets', msg: hex(`${M} 0014 04 00`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '0014', action: 'session-reset' },
  { name: 'OPEN shorter than 29', msg: hex(`${M} 001c 01 04 fde9 005a 0a000001`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '001c', action: 'session-reset' },
  { name: 'UPDATE shorter than 23', msg: hex(`${M} 0016 02 0000 00`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '0016', action: 'session-reset' },
  { name: 'NOTIFICATION shorter than 21', msg: hex(`${M} 0014 03 06`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '0014', action: 'session-reset' },
  { name: 'ROUTE-REFRESH longer than 23', msg: hex(`${M} 0018 05 0001 00 01 00`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '0018', action: 'session-reset' },
  { name: 'BoRR of the wrong length (RFC 7313)', msg: hex(`${M} 0018 05 0001 01 01 00`), code: E.ROUTE_REFRESH_MESSAGE, subcode: 1, data: `${M}0018050001010100`, action: 'session-reset' },
  { name: 'type 6', msg: hex(`${M} 0013 06`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_TYPE, data: '06', action: 'session-reset' },
  { name: 'type 0', msg: hex(`${M} 0013 00`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_TYPE, data: '00', action: 'session-reset' },
  { name: 'octets beyond the length field', msg: hex(`${M} 0013 04 00`), code: E.MESSAGE_HEADER, subcode: H.BAD_MESSAGE_LENGTH, data: '0013', action: 'session-reset' },

  // OPEN (RFC 4271 §6.2, RFC 5492, RFC 6286, RFC 7607)
  { name: 'OPEN version 3', msg: open('', '03'), code: E.OPEN_MESSAGE, subcode: O.UNSUPPORTED_VERSION_NUMBER, data: '0004', action: 'session-reset' },
  { name: 'OPEN from AS 0', msg: open('', '04', '0000'), code: E.OPEN_MESSAGE, subcode: O.BAD_PEER_AS, data: '', action: 'session-reset' },
  { name: 'OPEN with 4-octet AS capability 0', msg: open('02 06 4104 00000000'), code: E.OPEN_MESSAGE, subcode: O.BAD_PEER_AS, data: '', action: 'session-reset' },
  { name: 'OPEN with BGP identifier 0.0.0.0', msg: open('', '04', 'fde9', '005a', '00000000'), code: E.OPEN_MESSAGE, subcode: O.BAD_BGP_IDENTIFIER, data: '', action: 'session-reset' },
  { name: 'OPEN with the deprecated authentication parameter', msg: open('01 02 0000'), code: E.OPEN_MESSAGE, subcode: O.UNSUPPORTED_OPTIONAL_PARAMETER, data: '', action: 'session-reset' },
  { name: 'OPEN with hold time 1', msg: open('', '04', 'fde9', '0001'), code: E.OPEN_MESSAGE, subcode: O.UNACCEPTABLE_HOLD_TIME, data: '', action: 'session-reset' },
  { name: 'OPEN with hold time 2', msg: open('', '04', 'fde9', '0002'), code: E.OPEN_MESSAGE, subcode: O.UNACCEPTABLE_HOLD_TIME, data: '', action: 'session-reset' },
  { name: 'OPEN whose parameter length disagrees with the message', msg: rawMessage(1, '04 fde9 005a 0a000001 05 0202 0200'), code: E.OPEN_MESSAGE, subcode: O.UNSPECIFIC, action: 'session-reset' },
  { name: 'OPEN parameter overrunning the list', msg: open('02 09 0104 0001 0001'), code: E.OPEN_MESSAGE, subcode: O.UNSPECIFIC, action: 'session-reset' },
  { name: 'OPEN capability overrunning its parameter', msg: open('02 04 0104 0001'), code: E.OPEN_MESSAGE, subcode: O.UNSPECIFIC, action: 'session-reset' },
  { name: 'OPEN multiprotocol capability of length 3', msg: open('02 05 0103 000101'), code: E.OPEN_MESSAGE, subcode: O.UNSPECIFIC, action: 'session-reset' },

  // UPDATE: whole-message errors (RFC 7606 §5: session reset)
  { name: 'withdrawn routes length overruns', msg: rawUpdate({ withdrawnLen: 40 }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_ATTRIBUTE_LIST, data: '', action: 'session-reset' },
  { name: 'total path attribute length overruns', msg: rawUpdate({ attrs: ORIGIN, attrLen: 9 }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_ATTRIBUTE_LIST, data: '', action: 'session-reset' },
  { name: 'MP_REACH_NLRI twice', msg: rawUpdate({ attrs: attr(0x80, 14, '0001 01 04 0a000001 00') + attr(0x80, 14, '0001 01 04 0a000001 00') }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_ATTRIBUTE_LIST, data: '', action: 'session-reset' },
  { name: 'unrecognized well-known attribute 99', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x40, 99, 'abcd'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, data: '406302abcd', action: 'session-reset' },
  { name: 'NLRI prefix length 33', msg: rawUpdate({ attrs: BASE_ATTRS, nlri: '21 0a000001 00' }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NETWORK_FIELD, data: '', action: 'session-reset' },
  { name: 'NLRI prefix overrunning the message', msg: rawUpdate({ attrs: BASE_ATTRS, nlri: '18 0a00' }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NETWORK_FIELD, data: '', action: 'session-reset' },
  { name: 'withdrawn prefix length 40', msg: rawUpdate({ withdrawn: '28 0a000001 00' }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NETWORK_FIELD, data: '', action: 'session-reset' },
  { name: 'ADD-PATH NLRI with a truncated path identifier', ctx: { as4: true, addPath: true }, msg: rawUpdate({ attrs: BASE_ATTRS, nlri: '000001' }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NETWORK_FIELD, data: '', action: 'session-reset' },

  // UPDATE: attribute errors (RFC 7606 §3, §7)
  { name: 'attribute overrunning the attribute list', msg: rawUpdate({ attrs: ORIGIN + ASPATH + '40 03 08 0a000001', nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_ATTRIBUTE_LIST, data: '', action: 'treat-as-withdraw' },
  { name: 'two octets left where an attribute header should start', msg: rawUpdate({ attrs: BASE_ATTRS + '4001', nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_ATTRIBUTE_LIST, data: '', action: 'treat-as-withdraw' },
  { name: 'ORIGIN missing', msg: rawUpdate({ attrs: ASPATH + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MISSING_WELL_KNOWN_ATTRIBUTE, data: '01', action: 'treat-as-withdraw' },
  { name: 'AS_PATH missing', msg: rawUpdate({ attrs: ORIGIN + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MISSING_WELL_KNOWN_ATTRIBUTE, data: '02', action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP missing', msg: rawUpdate({ attrs: ORIGIN + ASPATH, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MISSING_WELL_KNOWN_ATTRIBUTE, data: '03', action: 'treat-as-withdraw' },
  { name: 'ORIGIN flagged optional', msg: rawUpdate({ attrs: attr(0xc0, 1, '00') + ASPATH + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_FLAGS_ERROR, data: 'c0010100', action: 'treat-as-withdraw' },
  { name: 'MED flagged well-known', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x40, 4, '00000001'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_FLAGS_ERROR, data: '40040400000001', action: 'treat-as-withdraw' },
  { name: 'AGGREGATOR flagged non-transitive', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x80, 7, '0000fde9 0a000001'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_FLAGS_ERROR, data: '8007080000fde90a000001', action: 'attribute-discard' },
  { name: 'ORIGIN of length 2', msg: rawUpdate({ attrs: attr(0x40, 1, '0000') + ASPATH + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '4001020000', action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP of length 5', msg: rawUpdate({ attrs: ORIGIN + ASPATH + attr(0x40, 3, '0a00000100'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '4003050a00000100', action: 'treat-as-withdraw' },
  { name: 'MED of length 3', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x80, 4, '000001'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '800403000001', action: 'treat-as-withdraw' },
  { name: 'LOCAL_PREF of length 2', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x40, 5, '0064'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '4005020064', action: 'treat-as-withdraw' },
  { name: 'ATOMIC_AGGREGATE of length 1', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x40, 6, '00'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '40060100', action: 'attribute-discard' },
  { name: 'AGGREGATOR of 6 octets on a 4-octet session', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0xc0, 7, 'fde9 0a000001'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: 'c00706fde90a000001', action: 'attribute-discard' },
  { name: 'ORIGINATOR_ID of length 3', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x80, 9, '0a0000'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '8009030a0000', action: 'treat-as-withdraw' },
  { name: 'CLUSTER_LIST of length 6', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0x80, 10, '0a0000010a00'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.ATTRIBUTE_LENGTH_ERROR, data: '800a060a0000010a00', action: 'treat-as-withdraw' },
  { name: 'ORIGIN 3', msg: rawUpdate({ attrs: attr(0x40, 1, '03') + ASPATH + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_ORIGIN_ATTRIBUTE, data: '40010103', action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP 0.0.0.0', msg: rawUpdate({ attrs: ORIGIN + ASPATH + attr(0x40, 3, '00000000'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NEXT_HOP_ATTRIBUTE, data: '40030400000000', action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP multicast 224.0.0.5', msg: rawUpdate({ attrs: ORIGIN + ASPATH + attr(0x40, 3, 'e0000005'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NEXT_HOP_ATTRIBUTE, data: '400304e0000005', action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP broadcast', msg: rawUpdate({ attrs: ORIGIN + ASPATH + attr(0x40, 3, 'ffffffff'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.INVALID_NEXT_HOP_ATTRIBUTE, data: '400304ffffffff', action: 'treat-as-withdraw' },
  { name: 'AGGREGATOR from AS 0 (RFC 7607)', msg: rawUpdate({ attrs: BASE_ATTRS + attr(0xc0, 7, '00000000 0a000001'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.OPTIONAL_ATTRIBUTE_ERROR, data: 'c00708 00000000 0a000001', action: 'attribute-discard' },
  { name: 'malformed AS4_PATH from a 2-octet peer', ctx: AS2, msg: rawUpdate({ attrs: ORIGIN + attr(0x40, 2, '02 01 fde9') + NEXTHOP + attr(0xc0, 17, '02 02 0000fde9'), nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.OPTIONAL_ATTRIBUTE_ERROR, data: 'c01106 0202 0000fde9', action: 'attribute-discard' },
  { name: 'AS_PATH segment type 5', msg: rawUpdate({ attrs: ORIGIN + attr(0x40, 2, '05 01 0000fde9') + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_AS_PATH, data: '', action: 'treat-as-withdraw' },
  { name: 'AS_PATH segment of zero ASNs', msg: rawUpdate({ attrs: ORIGIN + attr(0x40, 2, '02 00') + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_AS_PATH, data: '', action: 'treat-as-withdraw' },
  { name: 'AS_PATH segment overrunning the attribute', msg: rawUpdate({ attrs: ORIGIN + attr(0x40, 2, '02 02 0000fde9') + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_AS_PATH, data: '', action: 'treat-as-withdraw' },
  { name: 'AS_PATH holding AS 0 (RFC 7607)', msg: rawUpdate({ attrs: ORIGIN + attr(0x40, 2, '02 01 00000000') + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_AS_PATH, data: '', action: 'treat-as-withdraw' },
  { name: '4-octet AS_PATH read on a 2-octet session', ctx: AS2, msg: rawUpdate({ attrs: ORIGIN + attr(0x40, 2, '02 02 0000fde9') + NEXTHOP, nlri: NLRI }), code: E.UPDATE_MESSAGE, subcode: U.MALFORMED_AS_PATH, data: '', action: 'treat-as-withdraw' },
];

function firstError(msg: Uint8Array, ctx: CodecContext): BgpError | undefined {
  const r = decodeMessage(msg, ctx);
  if (!r.ok) return r.error;
  return r.value.type === 'UPDATE' ? r.value.errors[0] : undefined;
}

describe('bgp codec: every detectable error yields its NOTIFICATION', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.code}/${c.subcode} ${c.action}`, () => {
      const err = firstError(c.msg, c.ctx ?? AS4);
      expect(err, 'an error').to.not.equal(undefined);
      expect([err!.code, err!.subcode, err!.action]).to.deep.equal([c.code, c.subcode, c.action]);
      if (c.data !== undefined) expect(toHex(err!.data)).to.equal(c.data.replace(/\s+/g, ''));
    });
  }

  it('treat-as-withdraw keeps the NLRI so the caller can withdraw it', () => {
    const r = decodeMessage(rawUpdate({ attrs: attr(0x40, 1, '07') + ASPATH + NEXTHOP, nlri: NLRI }), AS4);
    if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('expected an UPDATE');
    expect(treatAsWithdraw(r.value)).to.equal(true);
    expect(r.value.nlri).to.have.length(1);
  });

  it('attribute-discard drops only the attribute: the route stays usable', () => {
    const r = decodeMessage(rawUpdate({ attrs: BASE_ATTRS + attr(0x40, 6, '00'), nlri: NLRI }), AS4);
    if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('expected an UPDATE');
    expect(treatAsWithdraw(r.value)).to.equal(false);
    expect(r.value.attributes.atomicAggregate).to.equal(undefined);
    expect(r.value.attributes.nextHop).to.equal(ipv4('10.0.0.1'));
  });

  it('a repeated attribute keeps the first copy (RFC 7606 §3 g)', () => {
    const r = decodeMessage(rawUpdate({ attrs: BASE_ATTRS + attr(0x40, 1, '02'), nlri: NLRI }), AS4);
    if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('expected an UPDATE');
    expect(r.value.attributes.origin).to.equal(0);
    expect(r.value.errors.map((e) => e.action)).to.deep.equal(['attribute-discard']);
  });

  it('unknown optional non-transitive attributes are ignored, transitive ones kept', () => {
    const r = decodeMessage(rawUpdate({ attrs: BASE_ATTRS + attr(0x80, 200, '01') + attr(0xe0, 201, '02'), nlri: NLRI }), AS4);
    if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('expected an UPDATE');
    expect(r.value.errors).to.deep.equal([]);
    expect(r.value.attributes.unknown).to.deep.equal([{ flags: 0xe0, type: 201, value: hex('02') }]);
  });

  it('missing well-known attributes are not required of a withdraw-only UPDATE', () => {
    const r = decodeMessage(rawUpdate({ withdrawn: NLRI }), AS4);
    if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('expected an UPDATE');
    expect(r.value.errors).to.deep.equal([]);
  });

  it('with revised error handling off (plain RFC 4271) an invalid ORIGIN resets the session', () => {
    const r = decodeMessage(rawUpdate({ attrs: attr(0x40, 1, '03') + ASPATH + NEXTHOP, nlri: NLRI }), { as4: true, revisedErrorHandling: false });
    expect(r.ok).to.equal(false);
    if (!r.ok) expect([r.error.code, r.error.subcode, r.error.action]).to.deep.equal([3, 6, 'session-reset']);
  });

  it('hold times 0 and 3 are acceptable', () => {
    expect(decodeOpen(open('', '04', 'fde9', '0000')).ok).to.equal(true);
    expect(decodeOpen(open('', '04', 'fde9', '0003')).ok).to.equal(true);
  });

  describe('checkOpen (checks that need configuration)', () => {
    const good = decodeOpen(open('02 06 4104 0000fde9'));
    if (!good.ok) throw new Error('fixture');
    const base = { peerAs: 65001, localAs: 65000, localBgpId: ipv4('10.0.0.2') };

    it('accepts the configured peer', () => expect(checkOpen(good.value, base)).to.equal(undefined));
    it('Bad Peer AS when the AS differs from configuration', () => {
      const e = checkOpen(good.value, { ...base, peerAs: 65002 });
      expect([e?.code, e?.subcode]).to.deep.equal([E.OPEN_MESSAGE, O.BAD_PEER_AS]);
    });
    it('Bad Peer AS when the 4-octet AS capability differs from configuration', () => {
      const r = decodeOpen(open('02 06 4104 fa56ea00', '04', '5ba0'));
      if (!r.ok) return expect.fail(r.error.reason);
      expect(checkOpen(r.value, { ...base, peerAs: 4200000000 })).to.equal(undefined);
      expect(checkOpen(r.value, { ...base, peerAs: 23456 })?.subcode).to.equal(O.BAD_PEER_AS);
    });
    it('Bad BGP Identifier when an iBGP peer uses our identifier; allowed across ASes (RFC 6286)', () => {
      expect(checkOpen(good.value, { peerAs: 65001, localAs: 65001, localBgpId: ipv4('10.0.0.1') })?.subcode).to.equal(O.BAD_BGP_IDENTIFIER);
      expect(checkOpen(good.value, { ...base, localBgpId: ipv4('10.0.0.1') })).to.equal(undefined);
    });
    it('Unsupported Capability with the missing capabilities as data (RFC 5492)', () => {
      const r = decodeOpen(open(''));
      if (!r.ok) return expect.fail(r.error.reason);
      const e = checkOpen(r.value, { ...base, required: [{ type: 'four-octet-as', asn: 65000 }, { type: 'route-refresh' }] });
      expect([e?.code, e?.subcode, toHex(e!.data)]).to.deep.equal([E.OPEN_MESSAGE, O.UNSUPPORTED_CAPABILITY, '41040000fde80200']);
    });
  });
});
