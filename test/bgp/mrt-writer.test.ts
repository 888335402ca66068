/** The MRT TABLE_DUMP_V2 writer of test/support (input of `gobgp mrt inject` in the import benchmark), byte for byte. */
import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { writeMrtDump } from '../support/mrt.js';
import { hex, toHex } from './support.js';

describe('test support: MRT TABLE_DUMP_V2 writer (RFC 6396)', () => {
  it('writes a PEER_INDEX_TABLE and one RIB_IPV4_UNICAST record per prefix', () => {
    const dump = writeMrtDump({
      collectorId: ipv4('10.0.0.1'), peer: { bgpId: ipv4('192.0.2.1'), address: ipv4('192.0.2.1'), asn: 65100 }, time: 1,
      routes: [{ addr: ipv4('10.1.2.0'), len: 24, asPath: [65100], nextHop: ipv4('192.0.2.1') }],
    });
    expect(toHex(dump)).to.equal(toHex(hex(
      // timestamp, type 13 TABLE_DUMP_V2, subtype 1 PEER_INDEX_TABLE, length 21
      '00000001 000d 0001 00000015'
      // collector ID, no view name, 1 peer: type AS4 + IPv4, BGP ID, address, AS 65100
      + '0a000001 0000 0001 02 c0000201 c0000201 0000fe4c'
      // subtype 2 RIB_IPV4_UNICAST, length 38
      + '00000001 000d 0002 00000026'
      // sequence 0, 10.1.2.0/24, 1 entry: peer 0, originated at 1, 20 octets of attributes
      + '00000000 18 0a0102 0001 0000 00000001 0014'
      // ORIGIN IGP, AS_PATH (AS_SEQUENCE 65100, 4-octet), NEXT_HOP 192.0.2.1
      + '40010100 400206 0201 0000fe4c 400304 c0000201',
    )));
  });
});
