/** Best-path selection, one table row per RFC 4271 §9.1.2.2 / RFC 4456 §9 step. */
import { expect } from 'chai';
import type { PathAttributes } from '../../src/bgp/codec/index.js';
import { type Decider, type Path, type RibPeer, selectBest } from '../../src/bgp/rib/index.js';
import { ipv4 } from '../../src/net/addr.js';

const LOCAL_AS = 64512;
const prefix = { addr: ipv4('192.168.1.0'), len: 26 };

function peer(n: number, asn = LOCAL_AS, routerId = ipv4(`10.0.0.${n}`)): RibPeer {
  return { key: `10.0.0.${n}`, address: ipv4(`10.0.0.${n}`), asn, routerId, localAddress: ipv4('10.0.0.100'), rrClient: false };
}

function path(source: RibPeer | null, attrs: PathAttributes = {}, rejected?: string): Path {
  const p: Path = { prefix, source, attrs: { origin: 0, asPath: [], nextHop: source?.address ?? ipv4('10.0.0.100'), ...attrs } };
  if (rejected) p.rejected = rejected;
  return p;
}
const seq = (...asns: number[]) => [{ type: 2 as const, asns }];

interface Row {
  name: string;
  paths: Path[];
  winner: number;
  decider: Decider;
  igp?: Record<string, number | undefined>;
}

const ebgp = (n: number, asn: number) => peer(n, asn);
const rows: Row[] = [
  { name: 'a single eligible path', paths: [path(peer(1)), path(peer(2), {}, 'AS_PATH loop')], winner: 0, decider: 'only' },
  { name: 'locally originated beats anything learned', paths: [path(peer(1), { localPref: 500 }), path(null)], winner: 1, decider: 'local' },
  { name: 'highest LOCAL_PREF', paths: [path(peer(1), { localPref: 100 }), path(peer(2), { localPref: 200 })], winner: 1, decider: 'local-pref' },
  { name: 'missing LOCAL_PREF counts as 100', paths: [path(peer(1), { localPref: 99 }), path(peer(2))], winner: 1, decider: 'local-pref' },
  { name: 'shortest AS_PATH', paths: [path(ebgp(1, 1), { asPath: seq(1, 2, 3) }), path(ebgp(2, 1), { asPath: seq(1, 3) })], winner: 1, decider: 'as-path' },
  { name: 'an AS_SET counts one', paths: [path(ebgp(1, 1), { asPath: [{ type: 2, asns: [1] }, { type: 1, asns: [5, 6, 7] }] }), path(ebgp(2, 1), { asPath: seq(1, 2, 3) })], winner: 0, decider: 'as-path' },
  { name: 'lowest ORIGIN', paths: [path(peer(1), { origin: 2 }), path(peer(2), { origin: 1 })], winner: 1, decider: 'origin' },
  { name: 'lowest MED from the same neighbour AS', paths: [path(ebgp(1, 7), { asPath: seq(7), med: 50 }), path(ebgp(2, 7), { asPath: seq(7), med: 10 })], winner: 1, decider: 'med' },
  { name: 'missing MED counts as the lowest', paths: [path(ebgp(1, 7), { asPath: seq(7), med: 1 }), path(ebgp(2, 7), { asPath: seq(7) })], winner: 1, decider: 'med' },
  { name: 'MED is not compared across neighbour ASes (eBGP/IGP/router ID decide)', paths: [path(ebgp(2, 7), { asPath: seq(7), med: 0 }), path(ebgp(1, 8), { asPath: seq(8), med: 99 })], winner: 1, decider: 'router-id' },
  { name: 'eBGP over iBGP', paths: [path(peer(1), { asPath: seq(9) }), path(ebgp(2, 9), { asPath: seq(9) })], winner: 1, decider: 'ebgp' },
  { name: 'lowest IGP cost to the next hop', paths: [path(peer(1)), path(peer(2))], igp: { '10.0.0.1': 20, '10.0.0.2': 10 }, winner: 1, decider: 'igp-cost' },
  { name: 'an unresolvable next hop is not eligible', paths: [path(peer(1), { localPref: 900 }), path(peer(2))], igp: { '10.0.0.1': undefined, '10.0.0.2': 1 }, winner: 1, decider: 'only' },
  { name: 'lowest router ID', paths: [path(peer(2, LOCAL_AS, ipv4('9.9.9.9'))), path(peer(1, LOCAL_AS, ipv4('9.9.9.10')))], winner: 0, decider: 'router-id' },
  { name: 'ORIGINATOR_ID stands in for the router ID of a reflected route', paths: [path(peer(1, LOCAL_AS, ipv4('1.1.1.1')), { originatorId: ipv4('5.5.5.5') }), path(peer(2, LOCAL_AS, ipv4('2.2.2.2')))], winner: 1, decider: 'router-id' },
  { name: 'shortest CLUSTER_LIST', paths: [path(peer(1), { originatorId: ipv4('5.5.5.5'), clusterList: [1, 2] }), path(peer(2), { originatorId: ipv4('5.5.5.5'), clusterList: [3] })], winner: 1, decider: 'cluster-list' },
  { name: 'lowest peer address', paths: [path(peer(3, LOCAL_AS, 7), { originatorId: 5 }), path(peer(2, LOCAL_AS, 7), { originatorId: 5 })], winner: 1, decider: 'peer-address' },
];

describe('bgp rib: best-path selection', () => {
  for (const r of rows) {
    it(`${r.name} (${r.decider})`, () => {
      const igp = (nh: number): number | undefined => {
        const key = `${nh >>> 24}.${(nh >>> 16) & 255}.${(nh >>> 8) & 255}.${nh & 255}`;
        return r.igp && key in r.igp ? r.igp[key] : 0;
      };
      for (const order of [r.paths, [...r.paths].reverse()]) {
        const got = selectBest(order, { localAsn: LOCAL_AS, igpCost: igp });
        expect(got?.best).to.equal(r.paths[r.winner]);
        expect(got?.decider).to.equal(r.decider);
      }
    });
  }

  it('MED elimination is order-independent where a pairwise comparator would not be', () => {
    // A(AS 1, MED 10, router 3) B(AS 1, MED 5, router 2) C(AS 2, router 1): B removes A, then C wins on router ID.
    const a = path(peer(3, 1, 3), { asPath: seq(1), med: 10 });
    const b = path(peer(4, 1, 2), { asPath: seq(1), med: 5 });
    const c = path(peer(5, 2, 1), { asPath: seq(2) });
    for (const order of [[a, b, c], [c, b, a], [b, a, c], [a, c, b]]) {
      expect(selectBest(order, { localAsn: LOCAL_AS, igpCost: () => 0 })?.best).to.equal(c);
    }
    expect(selectBest([a, b], { localAsn: LOCAL_AS, igpCost: () => 0 })?.best).to.equal(b);
  });

  it('nothing eligible → no best path', () => {
    expect(selectBest([path(peer(1), {}, 'loop')], { localAsn: LOCAL_AS, igpCost: () => 0 })).to.equal(undefined);
  });
});
