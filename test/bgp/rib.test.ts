/**
 * The RIB as a table of scenarios: what each mutation hands to the routing table and to each peer.
 * Peers: iBGP nodes in calico's AS 64512 (some route-reflector clients) and an eBGP ToR.
 */
import { expect } from 'chai';
import { AttrFlag, type PathAttributes, parsePrefix, prefixKey } from '../../src/bgp/codec/index.js';
import { Rib, type RibPeer, type RibResult } from '../../src/bgp/rib/index.js';
import { ipv4 } from '../../src/net/addr.js';

const AS = 64512;
const ME = ipv4('172.18.0.1');

function peer(n: number, opts: Partial<RibPeer> = {}): RibPeer {
  return { key: `172.18.0.${n}`, address: ipv4(`172.18.0.${n}`), asn: AS, routerId: ipv4(`172.18.0.${n}`), localAddress: ME, rrClient: false, ...opts };
}
const N2 = peer(2);
const N3 = peer(3);
const C2 = peer(2, { rrClient: true });
const C3 = peer(3, { rrClient: true });
const TOR = peer(9, { asn: 65000, routerId: ipv4('172.18.0.9') });
const BLOCK = parsePrefix('192.168.10.0/26');
const OTHER = parsePrefix('192.168.20.0/26');

const ibgpAttrs = (nextHop: string, extra: PathAttributes = {}): PathAttributes => ({ origin: 0, asPath: [], nextHop: ipv4(nextHop), localPref: 100, ...extra });

function sent(r: RibResult, key: string): { withdrawn: string[]; announce: { attrs: PathAttributes; nlri: string[] }[] } | undefined {
  const u = r.out.get(key);
  return u && { withdrawn: u.withdrawn.map(prefixKey), announce: u.announce.map((a) => ({ attrs: a.attrs, nlri: a.nlri.map(prefixKey) })) };
}

function rib(opts: { clusterId?: number } = {}): Rib {
  return new Rib({ asn: AS, routerId: ME, ...opts });
}

describe('bgp rib', () => {
  it('a local block goes to every iBGP peer with our address as NEXT_HOP, LOCAL_PREF 100, empty AS_PATH', () => {
    const r = rib();
    r.peerUp(N2);
    const res = r.originate(BLOCK);
    expect(res.routes).to.deep.equal([]); // the node routes its own block itself
    expect(sent(res, N2.key)).to.deep.equal({ withdrawn: [], announce: [{ attrs: ibgpAttrs('172.18.0.1'), nlri: ['192.168.10.0/26'] }] });
    // A peer coming up later gets the whole table.
    expect(sent(r.peerUp(N3), N3.key)?.announce[0]?.nlri).to.deep.equal(['192.168.10.0/26']);
  });

  it('a learned block becomes a route via the peer, and is not passed to other iBGP peers (full mesh)', () => {
    const r = rib();
    r.peerUp(N2);
    r.peerUp(N3);
    const res = r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK] });
    expect(res.routes).to.deep.equal([{ type: 'add', prefix: '192.168.10.0/26', nextHop: '172.18.0.2' }]);
    expect(res.out.size).to.equal(0);
    expect(r.best(BLOCK)?.source?.key).to.equal(N2.key);
  });

  it('a withdrawal removes the route; so does the peer going down', () => {
    const r = rib();
    r.peerUp(N2);
    r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK, OTHER] });
    expect(r.update(N2.key, { withdrawn: [BLOCK], attributes: {}, nlri: [] }).routes).to.deep.equal([{ type: 'remove', prefix: '192.168.10.0/26', nextHop: '172.18.0.2' }]);
    expect(r.peerDown(N2.key).routes).to.deep.equal([{ type: 'remove', prefix: '192.168.20.0/26', nextHop: '172.18.0.2' }]);
    expect(r.locRib()).to.deep.equal([]);
  });

  it('a better path from another peer replaces the next hop; losing it falls back', () => {
    const r = rib();
    r.peerUp(N2);
    r.peerUp(N3);
    r.update(N3.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.3'), nlri: [BLOCK] });
    const better = r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2', { localPref: 200 }), nlri: [BLOCK] });
    expect(better.routes).to.deep.equal([{ type: 'replace', prefix: '192.168.10.0/26', nextHop: '172.18.0.2', previousNextHop: '172.18.0.3' }]);
    expect(r.peerDown(N2.key).routes).to.deep.equal([{ type: 'replace', prefix: '192.168.10.0/26', nextHop: '172.18.0.3', previousNextHop: '172.18.0.2' }]);
  });

  it('treat-as-withdraw removes what the peer had announced for those prefixes', () => {
    const r = rib();
    r.peerUp(N2);
    r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK] });
    const res = r.update(N2.key, { withdrawn: [], attributes: {}, nlri: [BLOCK] }, true);
    expect(res.routes.map((c) => c.type)).to.deep.equal(['remove']);
  });

  it('originating a prefix that was learned: the local route wins and the learned route leaves the table', () => {
    const r = rib();
    r.peerUp(N2);
    r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK] });
    expect(r.originate(BLOCK).routes).to.deep.equal([{ type: 'remove', prefix: '192.168.10.0/26', nextHop: '172.18.0.2' }]);
    expect(r.withdrawLocal(BLOCK).routes).to.deep.equal([{ type: 'add', prefix: '192.168.10.0/26', nextHop: '172.18.0.2' }]);
  });

  it('an unchanged re-announcement sends nothing', () => {
    const r = rib();
    r.peerUp(N2);
    r.originate(BLOCK);
    expect(r.originate(BLOCK).out.size).to.equal(0);
  });

  describe('route reflection (RFC 4456)', () => {
    it('a client route is reflected to other clients and non-clients with ORIGINATOR_ID and CLUSTER_LIST', () => {
      const r = rib({ clusterId: ipv4('1.0.0.1') });
      const n4 = peer(4);
      [C2, C3, n4].forEach((p) => r.peerUp(p));
      const res = r.update(C2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK] });
      const reflected = ibgpAttrs('172.18.0.2', { originatorId: C2.routerId, clusterList: [ipv4('1.0.0.1')] });
      expect(sent(res, C3.key)?.announce).to.deep.equal([{ attrs: reflected, nlri: ['192.168.10.0/26'] }]);
      expect(sent(res, n4.key)?.announce).to.deep.equal([{ attrs: reflected, nlri: ['192.168.10.0/26'] }]);
      expect(res.out.has(C2.key)).to.equal(false);
    });

    it('a non-client route is reflected to clients only; the cluster ID defaults to the router ID', () => {
      const r = rib();
      const n4 = peer(4);
      [C2, N3, n4].forEach((p) => r.peerUp(p));
      const res = r.update(N3.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.3'), nlri: [BLOCK] });
      expect([...res.out.keys()]).to.deep.equal([C2.key]);
      expect(sent(res, C2.key)?.announce[0]?.attrs.clusterList).to.deep.equal([ME]);
    });

    it('withdrawals are reflected too', () => {
      const r = rib();
      [C2, C3].forEach((p) => r.peerUp(p));
      r.update(C2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK] });
      expect(sent(r.peerDown(C2.key), C3.key)).to.deep.equal({ withdrawn: ['192.168.10.0/26'], announce: [] });
    });

    it('a reflected route is not sent back to its originator', () => {
      const r = rib();
      const c4 = peer(4, { rrClient: true });
      [C2, c4].forEach((p) => r.peerUp(p));
      const res = r.update(c4.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2', { originatorId: C2.routerId, clusterList: [ipv4('9.9.9.9')] }), nlri: [BLOCK] });
      expect(res.out.has(C2.key)).to.equal(false);
    });

    it('loops are detected on import: our ORIGINATOR_ID, our CLUSTER_ID in CLUSTER_LIST', () => {
      const r = rib({ clusterId: ipv4('1.0.0.1') });
      r.peerUp(N2);
      r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2', { originatorId: ME }), nlri: [BLOCK] });
      r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2', { clusterList: [ipv4('1.0.0.1')] }), nlri: [OTHER] });
      expect(r.adjRibIn(N2.key).map((p) => p.rejected)).to.deep.equal(['ORIGINATOR_ID is ours', 'CLUSTER_LIST loop']);
      expect(r.locRib()).to.deep.equal([]);
    });
  });

  describe('eBGP', () => {
    const torAttrs = (extra: PathAttributes = {}): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns: [65000] }], nextHop: ipv4('172.18.0.9'), ...extra });

    it('to an eBGP peer: our AS prepended, next-hop-self, no LOCAL_PREF', () => {
      const r = rib();
      r.peerUp({ ...TOR, localAddress: ipv4('172.18.0.1') });
      const res = r.originate(BLOCK, { med: 5 });
      expect(sent(res, TOR.key)?.announce[0]?.attrs).to.deep.equal({ origin: 0, asPath: [{ type: 2, asns: [AS] }], nextHop: ME, med: 5 });
    });

    it('from eBGP: LOCAL_PREF ignored; to iBGP peers with NEXT_HOP unchanged; to other eBGP peers without MED, Partial set on unknown transitive', () => {
      const r = rib();
      const tor2 = peer(8, { asn: 65001 });
      [TOR, N2, tor2].forEach((p) => r.peerUp(p));
      const community = { flags: 0xc0, type: 8, value: Uint8Array.of(1, 2, 3, 4) };
      const res = r.update(TOR.key, { withdrawn: [], attributes: torAttrs({ localPref: 999, med: 7, unknown: [community] }), nlri: [OTHER] });
      expect(r.best(OTHER)?.attrs.localPref).to.equal(undefined);
      expect(sent(res, N2.key)?.announce[0]?.attrs).to.deep.equal({ ...torAttrs({ med: 7, unknown: [{ ...community, flags: 0xc0 | AttrFlag.PARTIAL }] }), localPref: 100 });
      expect(sent(res, tor2.key)?.announce[0]?.attrs).to.deep.equal({
        origin: 0, asPath: [{ type: 2, asns: [AS, 65000] }], nextHop: ME, unknown: [{ ...community, flags: 0xe0 }],
      });
      expect(res.out.has(TOR.key)).to.equal(false);
    });

    it('an eBGP route whose AS_PATH holds our AS is a loop; one not starting with the peer AS is refused', () => {
      const r = rib();
      r.peerUp(TOR);
      r.update(TOR.key, { withdrawn: [], attributes: torAttrs({ asPath: [{ type: 2, asns: [65000, AS] }] }), nlri: [BLOCK] });
      r.update(TOR.key, { withdrawn: [], attributes: torAttrs({ asPath: [{ type: 2, asns: [65111] }] }), nlri: [OTHER] });
      expect(r.adjRibIn(TOR.key).map((p) => p.rejected)).to.deep.equal(['AS_PATH loop', 'first AS is not the peer AS']);
    });

    it('a NEXT_HOP equal to our own address is ignored', () => {
      const r = rib();
      r.peerUp(N2);
      r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.1'), nlri: [BLOCK] });
      expect(r.adjRibIn(N2.key)[0]?.rejected).to.equal('NEXT_HOP is our address');
    });
  });

  it('refresh returns everything in the Adj-RIB-Out (ROUTE-REFRESH)', () => {
    const r = rib();
    r.peerUp(N2);
    r.originate(BLOCK);
    r.originate(OTHER);
    expect(r.refresh(N2.key).announce.flatMap((a) => a.nlri.map(prefixKey))).to.deep.equal(['192.168.10.0/26', '192.168.20.0/26']);
  });

  it('IGP reachability: an unreachable next hop removes the route after recomputeAll', () => {
    let reachable = true;
    const r = new Rib({ asn: AS, routerId: ME, igpCost: () => (reachable ? 1 : undefined) });
    r.peerUp(N2);
    r.update(N2.key, { withdrawn: [], attributes: ibgpAttrs('172.18.0.2'), nlri: [BLOCK] });
    reachable = false;
    expect(r.recomputeAll().routes.map((c) => c.type)).to.deep.equal(['remove']);
  });

  it('refuses UPDATEs from a peer that is not up', () => {
    expect(() => rib().update('1.2.3.4', { withdrawn: [], attributes: {}, nlri: [] })).to.throw().with.property('code', 'ERR_BGP_RIB');
  });
});
