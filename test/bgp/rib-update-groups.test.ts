/**
 * Update groups in the RIB: peers with the same export policy (AS, client flag, local address)
 * share the export work and the very OutUpdate object (the speaker encodes it once), while split
 * horizon and the originator rule still apply per peer.
 */
import { expect } from 'chai';
import { type PathAttributes, parsePrefix, prefixKey } from '../../src/bgp/codec/index.js';
import { Rib, type RibPeer, groupKey } from '../../src/bgp/rib/index.js';
import { ipv4 } from '../../src/net/addr.js';

const AS = 64512;
const ME = ipv4('172.18.0.1');
const BLOCK = parsePrefix('192.168.10.0/26');
const OTHER = parsePrefix('192.168.20.0/26');

function peer(n: number, opts: Partial<RibPeer> = {}): RibPeer {
  return { key: `172.18.0.${n}`, address: ipv4(`172.18.0.${n}`), asn: AS, routerId: ipv4(`172.18.0.${n}`), localAddress: ME, rrClient: false, ...opts };
}
const ibgp = (nextHop: string, extra: PathAttributes = {}): PathAttributes => ({ origin: 0, asPath: [], nextHop: ipv4(nextHop), localPref: 100, ...extra });

describe('bgp rib: update groups', () => {
  it('groups peers by AS, route-reflector-client flag and local address', () => {
    expect(groupKey(peer(2))).to.equal(groupKey(peer(3)));
    expect(groupKey(peer(2))).to.not.equal(groupKey(peer(3, { rrClient: true })));
    expect(groupKey(peer(2))).to.not.equal(groupKey(peer(3, { asn: 65000 })));
    expect(groupKey(peer(2))).to.not.equal(groupKey(peer(3, { localAddress: ipv4('172.18.1.1') })));
  });

  it('hands every peer of a group the same OutUpdate object for a local block', () => {
    const r = new Rib({ asn: AS, routerId: ME });
    const peers = [2, 3, 4, 5].map((n) => peer(n));
    peers.forEach((p) => r.peerUp(p));
    const res = r.originate(BLOCK);
    const outs = peers.map((p) => res.out.get(p.key));
    expect(outs[0]?.announce.map((a) => a.nlri.map(prefixKey))).to.deep.equal([['192.168.10.0/26']]);
    for (const o of outs) expect(o).to.equal(outs[0]);
  });

  it('a peer in another group (its own local address) gets its own object and its own NEXT_HOP', () => {
    const r = new Rib({ asn: AS, routerId: ME });
    const a = peer(2);
    const b = peer(3);
    const far = peer(9, { localAddress: ipv4('172.18.1.1') });
    [a, b, far].forEach((p) => r.peerUp(p));
    const res = r.originate(BLOCK);
    expect(res.out.get(a.key)).to.equal(res.out.get(b.key));
    expect(res.out.get(far.key)).to.not.equal(res.out.get(a.key));
    expect(res.out.get(far.key)?.announce[0]?.attrs.nextHop).to.equal(ipv4('172.18.1.1'));
    expect(res.out.get(a.key)?.announce[0]?.attrs.nextHop).to.equal(ME);
  });

  it('split horizon inside a group: a client route reaches the other clients, not the client it came from', () => {
    const r = new Rib({ asn: AS, routerId: ME });
    const clients = [2, 3, 4].map((n) => peer(n, { rrClient: true }));
    clients.forEach((p) => r.peerUp(p));
    const res = r.update(clients[0]!.key, { withdrawn: [], attributes: ibgp('172.18.0.2'), nlri: [BLOCK] });
    expect([...res.out.keys()]).to.deep.equal([clients[1]!.key, clients[2]!.key]);
    expect(res.out.get(clients[1]!.key)).to.equal(res.out.get(clients[2]!.key));
    // The withdrawal goes exactly to the members that had the route.
    const gone = r.update(clients[0]!.key, { withdrawn: [BLOCK], attributes: {}, nlri: [] });
    expect([...gone.out.keys()]).to.deep.equal([clients[1]!.key, clients[2]!.key]);
    expect(gone.out.get(clients[1]!.key)?.withdrawn.map(prefixKey)).to.deep.equal(['192.168.10.0/26']);
  });

  it('members whose Adj-RIB-Out differs get different UPDATEs: a peer that joined later catches up alone', () => {
    const r = new Rib({ asn: AS, routerId: ME });
    const a = peer(2);
    r.peerUp(a);
    r.originate(BLOCK);
    const b = peer(3);
    const catchUp = r.peerUp(b);
    expect([...catchUp.out.keys()]).to.deep.equal([b.key]);
    const res = r.originate(OTHER);
    expect(res.out.get(a.key)).to.equal(res.out.get(b.key));
    expect(r.adjRibOut(b.key).map((e) => prefixKey(e.prefix))).to.deep.equal(['192.168.10.0/26', '192.168.20.0/26']);
  });

  it('a peer going down leaves the group; the others keep exchanging with one shared object', () => {
    const r = new Rib({ asn: AS, routerId: ME });
    const [a, b, c] = [2, 3, 4].map((n) => peer(n));
    [a!, b!, c!].forEach((p) => r.peerUp(p));
    r.originate(BLOCK);
    r.peerDown(b!.key);
    const res = r.withdrawLocal(BLOCK);
    expect([...res.out.keys()]).to.deep.equal([a!.key, c!.key]);
    expect(res.out.get(a!.key)).to.equal(res.out.get(c!.key));
  });

  it('counts the Loc-RIB without copying it', () => {
    const r = new Rib({ asn: AS, routerId: ME });
    const a = peer(2);
    r.peerUp(a);
    r.update(a.key, { withdrawn: [], attributes: ibgp('172.18.0.2'), nlri: [BLOCK, OTHER, BLOCK] });
    r.originate(parsePrefix('192.168.30.0/26'));
    expect([r.size, r.locRib().length]).to.deep.equal([3, 3]);
    r.peerDown(a.key);
    expect(r.size).to.equal(1);
  });
});
