/**
 * kemu's BGP speaker against a real GoBGP: gobgpd (AS 65000) peers over TCP with a kemu speaker
 * (calico's AS 64512); `gobgp global rib` shows the block kemu announces, and a prefix injected with
 * `gobgp global rib add` shows up in kemu's learned routes, then both are withdrawn. Needs gobgpd
 * and gobgp (Debian package `gobgpd`); without them this test fails, as interop tests do here.
 *
 * Everything runs on loopback: gobgpd on 127.0.0.2, kemu on 127.0.0.3. GoBGP 3.x refuses a loopback
 * NEXT_HOP, so kemu announces a TEST-NET-1 next hop (see KEMU_NEXT_HOP).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BgpSpeaker, type RouteChange } from '../../src/bgp/index.js';
import { type InteropGobgpd, startGobgpd } from '../support/gobgpd.js';
import { waitFor as poll } from '../support/wait.js';

const exec = promisify(execFile);
const GOBGP_IP = '127.0.0.2';
/** kemu's end of the session: every packet of the test stays on loopback. */
const KEMU_IP = '127.0.0.3';
/**
 * GoBGP refuses loopback next hops, so kemu announces its routes with a next hop from TEST-NET-1
 * (RFC 5737): an attribute only — nothing is ever sent to it, the session itself is on loopback.
 */
const KEMU_NEXT_HOP = '192.0.2.10';

/** Polls every 200 ms, for 20 s unless told: a probe may run the gobgp CLI as a child process. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> => poll(what, probe, timeoutMs, 200);

interface GobgpPath {
  nlri: { prefix: string };
  attrs: { type: number; nexthop?: string; as_paths?: { asns: number[] }[] }[];
}

describe('interop: GoBGP peers with a kemu speaker', function () {
  this.timeout(90_000);
  let dir: string;
  let gobgpd: InteropGobgpd | undefined;
  let speaker: BgpSpeaker | undefined;
  let kemuIp = '';
  const changes: RouteChange[] = [];
  let log = '';

  const gobgp = (...args: string[]): Promise<string> => gobgpd!.cli(...args);
  const gobgpRib = async (): Promise<Record<string, GobgpPath[]>> => JSON.parse((await gobgp('-j', 'global', 'rib')) || '{}') as Record<string, GobgpPath[]>;

  before(async () => {
    for (const tool of ['gobgpd', 'gobgp']) {
      try {
        await exec(tool, ['--version']);
      } catch {
        throw new Error(`${tool} is not installed: install the Debian package "gobgpd" (apt-get install gobgpd) to run the interop tests`);
      }
    }
    kemuIp = KEMU_IP;
    dir = await mkdtemp(join(tmpdir(), 'kemu-gobgp-'));
    speaker = new BgpSpeaker({
      asn: 64512, routerId: KEMU_IP, listenAddress: KEMU_IP, listenPort: 0, nextHop: KEMU_NEXT_HOP, holdTime: 9, connectRetryMs: 500, errorWaitMs: [500, 2000],
      onRoutes: (c) => changes.push(...c), log: (line) => (log += `${line}\n`),
    });
    const { port: kemuPort } = await speaker.listen();
    gobgpd = await startGobgpd({
      dir, asn: 65000, routerId: GOBGP_IP, address: GOBGP_IP, neighbor: { address: kemuIp, asn: 64512, port: kemuPort },
      keepaliveSeconds: 3, onOutput: (text) => (log += text),
    });
    speaker.addPeer({ address: GOBGP_IP, port: gobgpd.bgpPort, asn: 65000, type: 'global' });
    await waitFor('the session with gobgpd', () => (speaker!.status()[0]?.state === 'up' ? true : undefined)).catch((err: Error) => {
      throw new Error(`${err.message}\n${log}`);
    });
  });

  after(async () => {
    await speaker?.close();
    gobgpd?.proc.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('kemu shows the session like calicoctl node status', () => {
    const [row] = speaker!.status();
    expect([row?.name, row?.peerAddress, row?.peerType, row?.state, row?.info]).to.deep.equal(['Global_127_0_0_2', GOBGP_IP, 'global', 'up', 'Established']);
  });

  it('`gobgp global rib` shows the block kemu announces, with kemu as next hop and AS_PATH 64512', async () => {
    speaker!.announce('192.168.10.0/26');
    const path = await waitFor('192.168.10.0/26 in gobgp', async () => (await gobgpRib())['192.168.10.0/26']?.[0]);
    expect(path.attrs.find((a) => a.type === 3)?.nexthop).to.equal(KEMU_NEXT_HOP);
    expect(path.attrs.find((a) => a.type === 2)?.as_paths?.[0]?.asns).to.deep.equal([64512]);
    expect(await gobgp('global', 'rib')).to.contain('192.168.10.0/26');
  });

  it('a prefix added with `gobgp global rib add` appears in kemu’s learned routes and routing-table changes', async () => {
    await gobgp('global', 'rib', 'add', '10.10.0.0/24', '-a', 'ipv4');
    const route = await waitFor('10.10.0.0/24 in kemu', () => speaker!.learnedRoutes().find((r) => r.prefix === '10.10.0.0/24'));
    expect(route).to.deep.equal({ prefix: '10.10.0.0/24', nextHop: GOBGP_IP, asPath: '65000', peer: GOBGP_IP });
    expect(changes).to.deep.include({ type: 'add', prefix: '10.10.0.0/24', nextHop: GOBGP_IP });
  });

  it('withdrawals go both ways', async () => {
    await gobgp('global', 'rib', 'del', '10.10.0.0/24', '-a', 'ipv4');
    await waitFor('10.10.0.0/24 gone from kemu', () => (speaker!.learnedRoutes().length === 0 ? true : undefined));
    expect(changes.at(-1)).to.deep.equal({ type: 'remove', prefix: '10.10.0.0/24', nextHop: GOBGP_IP });
    speaker!.withdraw('192.168.10.0/26');
    await waitFor('192.168.10.0/26 gone from gobgp', async () => ((await gobgpRib())['192.168.10.0/26'] ? undefined : true));
  });
});
