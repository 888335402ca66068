/**
 * Speakers over real loopback TCP: a calico-style full mesh of three nodes and a route reflector
 * with two clients exchange IPAM blocks, withdraw them, and drop a silent peer's routes after the
 * hold time (3 s here).
 */
import { expect } from 'chai';
import * as net from 'node:net';
import { Framer, decodeMessage, encodeOpen } from '../../src/bgp/codec/index.js';
import { ipv4 } from '../../src/net/addr.js';
import { AS, type Node, Relay, learned, node, waitFor } from './loopback.js';

/** Calico's rule for a mesh pair: the node whose address sorts lower waits (passive) for the other. */
function mesh(nodes: Node[]): void {
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b) a.speaker.addPeer({ address: b.ip, port: b.port, asn: AS, passive: b.ip > a.ip });
    }
  }
}

const established = (n: Node, count: number) => (): boolean => n.speaker.status().filter((s) => s.state === 'up').length === count;

describe('bgp speaker over loopback TCP', function () {
  this.timeout(30_000);
  let nodes: Node[] = [];
  let relay: Relay | undefined;

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.speaker.close()));
    await relay?.close();
    nodes = [];
    relay = undefined;
  });

  it('a full mesh of three exchanges blocks with each node as next hop, and withdraws them', async () => {
    nodes = await Promise.all([1, 2, 3].map((n) => node(n)));
    const [n1, n2, n3] = nodes as [Node, Node, Node];
    mesh(nodes);
    for (const n of nodes) await waitFor(`${n.ip} established`, established(n, 2));
    n1.speaker.announce('192.168.1.0/26');
    n2.speaker.announce('192.168.2.0/26');
    n3.speaker.announce('192.168.3.0/26');
    await waitFor('routes', () => nodes.every((n) => learned(n).length === 2));
    expect(learned(n1)).to.deep.equal(['192.168.2.0/26 via 127.0.0.2', '192.168.3.0/26 via 127.0.0.3']);
    expect(learned(n3)).to.deep.equal(['192.168.1.0/26 via 127.0.0.1', '192.168.2.0/26 via 127.0.0.2']);
    expect(n1.changes).to.deep.include({ type: 'add', prefix: '192.168.2.0/26', nextHop: '127.0.0.2' });

    const rows = n1.speaker.status();
    expect(rows.map((r) => [r.name, r.peerAddress, r.peerType, r.state, r.info])).to.deep.equal([
      ['Mesh_127_0_0_2', '127.0.0.2', 'node-to-node mesh', 'up', 'Established'],
      ['Mesh_127_0_0_3', '127.0.0.3', 'node-to-node mesh', 'up', 'Established'],
    ]);
    expect(rows[0]!.since).to.match(/^\d\d:\d\d:\d\d$/);

    n2.speaker.withdraw('192.168.2.0/26');
    await waitFor('withdrawal', () => learned(n1).length === 1 && learned(n3).length === 1);
    expect(n1.changes.at(-1)).to.deep.equal({ type: 'remove', prefix: '192.168.2.0/26', nextHop: '127.0.0.2' });
  });

  it('a route reflector passes one client’s block to the other with NEXT_HOP unchanged; a silent client is dropped after the hold time', async () => {
    nodes = await Promise.all([1, 2, 3].map((n) => node(n)));
    const [rr, c2, c3] = nodes as [Node, Node, Node];
    // c3 reaches the reflector only through a relay that can fail silently.
    relay = new Relay('127.0.0.1', { ip: rr.ip, port: rr.port }, c3.ip);
    await relay.start();
    rr.speaker.addPeer({ address: c2.ip, port: c2.port, asn: AS, routeReflectorClient: true, type: 'global' });
    rr.speaker.addPeer({ address: c3.ip, port: c3.port, asn: AS, routeReflectorClient: true, passive: true, type: 'global' });
    c2.speaker.addPeer({ address: rr.ip, port: rr.port, asn: AS, type: 'global' });
    c3.speaker.addPeer({ address: rr.ip, port: relay.port, asn: AS, type: 'global' });
    await waitFor('rr established', established(rr, 2));
    c2.speaker.announce('192.168.2.0/26');
    c3.speaker.announce('192.168.3.0/26');
    await waitFor('reflected routes', () => learned(c2).length === 1 && learned(c3).length === 1);
    expect(learned(c2)).to.deep.equal(['192.168.3.0/26 via 127.0.0.3']);
    expect(learned(c3)).to.deep.equal(['192.168.2.0/26 via 127.0.0.2']);
    const reflected = c2.speaker.rib.best({ addr: ipv4('192.168.3.0'), len: 26 })!;
    expect([reflected.attrs.originatorId, reflected.attrs.clusterList]).to.deep.equal([ipv4('127.0.0.3'), [ipv4('127.0.0.1')]]);

    const cut = Date.now();
    relay.blackhole();
    await waitFor('withdrawal after the hold time', () => learned(c2).length === 0, 10_000);
    const took = Date.now() - cut;
    // Nothing closed the TCP connection: only the 3 s hold timer can have noticed (KEEPALIVEs every 1 s).
    expect(took).to.be.within(1900, 6000);
    expect(c2.changes.at(-1)).to.deep.equal({ type: 'remove', prefix: '192.168.3.0/26', nextHop: '127.0.0.3' });
    const row = rr.speaker.status().find((r) => r.peerAddress === c3.ip)!;
    expect(row.state).to.equal('start');
    expect(row.info).to.match(/Hold Timer Expired/);
    expect(rr.speaker.status().find((r) => r.peerAddress === c2.ip)?.state).to.equal('up');
  });

  it('two speakers that both dial (no passive side) settle the collision and establish one session', async () => {
    nodes = await Promise.all([1, 2].map((n) => node(n)));
    const [n1, n2] = nodes as [Node, Node];
    n1.speaker.addPeer({ address: n2.ip, port: n2.port, asn: AS });
    n2.speaker.addPeer({ address: n1.ip, port: n1.port, asn: AS });
    await waitFor('both up', () => established(n1, 1)() && established(n2, 1)(), 3000);
    n1.speaker.announce('192.168.1.0/26');
    await waitFor('route', () => learned(n2).length === 1);
  });

  it('a malformed OPEN from a configured peer gets its NOTIFICATION; an unknown peer gets Cease; other sessions go on', async () => {
    nodes = await Promise.all([1, 2].map((n) => node(n)));
    const [n1, n2] = nodes as [Node, Node];
    mesh(nodes);
    n1.speaker.addPeer({ address: '127.0.0.9', asn: AS, passive: true });
    await waitFor('mesh', established(n1, 1));

    const exchange = async (source: string, bytes: Uint8Array): Promise<string[]> => {
      const sock = net.connect({ host: n1.ip, port: n1.port, localAddress: source });
      const framer = new Framer();
      const got: string[] = [];
      sock.on('data', (d) => {
        for (const m of framer.push(d).messages) {
          const r = decodeMessage(m, { as4: true });
          if (r.ok) got.push(r.value.type === 'NOTIFICATION' ? `NOTIFICATION ${r.value.code}/${r.value.subcode}` : r.value.type);
        }
      });
      sock.on('connect', () => sock.write(bytes));
      await new Promise((r) => sock.on('close', r));
      return got;
    };
    const badOpen = encodeOpen({ version: 4, myAs: AS, holdTime: 3, bgpId: ipv4('127.0.0.9'), capabilities: [] });
    badOpen[19 + 3] = 0; // hold time 1: not allowed
    badOpen[19 + 4] = 1;
    expect(await exchange('127.0.0.9', badOpen)).to.deep.equal(['OPEN', 'NOTIFICATION 2/6']);
    expect(await exchange('127.0.0.8', badOpen)).to.deep.equal(['NOTIFICATION 6/5']);
    expect(n1.speaker.status().find((r) => r.peerAddress === n2.ip)?.state).to.equal('up');
  });
});
