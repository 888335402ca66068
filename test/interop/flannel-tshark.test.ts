/**
 * flannel's three backends through a real `kemu up`, seen by a real Wireshark: an HTTP request from a
 * netexec pod on one worker to one on the other (kemu curl --from pod/...), captured on the first
 * worker's eth0 (kemu capture), decodes in tshark with no malformed packet — VXLAN (UDP 8472, VNI 1)
 * around Ethernet around IP/TCP/HTTP, flannel's UDP encapsulation (UDP 8285, the raw IP packet as
 * payload) and host-gw's plain IP/TCP/HTTP. Needs tshark (Debian package `tshark`).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../../src/api/client/http.js';
import type { Pod } from '../../src/api/types.js';
import { kemuUp, REPO } from '../support/kemu-process.js';
import { topologyHeader } from '../support/manifests.js';

const exec = promisify(execFile);

function topology(backend: string): string {
  return topologyHeader(`flannel-${backend}`, { networking: `{cni: {plugin: flannel, backend: ${backend}}}`, speed: 20 }) + `---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  nodeName: w1
  containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  nodeName: w2
  containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}]
`;
}

const CASES: Array<{ backend: string; decodeAs: string[]; stack: RegExp }> = [
  { backend: 'vxlan', decodeAs: ['-d', 'udp.port==8472,vxlan'], stack: /^eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp:http/ },
  { backend: 'udp', decodeAs: ['-d', 'udp.port==8285,ip'], stack: /^eth:ethertype:ip:udp:ip:tcp:http/ },
  { backend: 'host-gw', decodeAs: [], stack: /^eth:ethertype:ip:tcp:http/ },
];

describe('interop: tshark decodes flannel\'s encapsulations from a running kemu', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    try {
      await exec('tshark', ['--version']);
    } catch {
      throw new Error('tshark is not installed: install the Debian package "tshark" (apt-get install tshark) to run the interop tests');
    }
    dir = await mkdtemp(join(tmpdir(), 'kemu-flannel-tshark-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.backend}: the HTTP exchange between pods on two workers decodes layer by layer`, async () => {
      const kemu = await kemuUp(topology(c.backend));
      const api = new HttpClient(kemu.status.api);
      try {
        const b = await api.get<Pod>('pods', 'default', 'b');
        const kemuCli = (...args: string[]) => exec(process.execPath, [join(REPO, 'bin/kemu'), ...args, '--kubeconfig', kemu.kubeconfig]);
        const file = join(dir, `${c.backend}.pcap`);
        const capture = kemuCli('capture', 'node/w1', '-w', file, '--duration', '2');
        await new Promise((r) => setTimeout(r, 500)); // the capture is armed
        const curl = await kemuCli('curl', '--from', 'pod/a', `http://${b.status!.podIP}:8080/hostname`);
        expect(curl.stdout).to.equal('b');
        await capture;
        expect((await exec('tshark', ['-r', file, ...c.decodeAs, '-Y', '_ws.malformed'])).stdout).to.equal('');
        const protocols = (await exec('tshark', ['-r', file, ...c.decodeAs, '-Y', 'http', '-T', 'fields', '-e', 'frame.protocols'])).stdout.trim().split('\n');
        expect(protocols.length, `http frames in ${c.backend}`).to.be.at.least(2); // request and response
        for (const p of protocols) expect(p).to.match(c.stack);
        if (c.backend === 'vxlan') {
          const vni = (await exec('tshark', ['-r', file, ...c.decodeAs, '-Y', 'vxlan', '-T', 'fields', '-e', 'vxlan.vni'])).stdout.trim().split('\n');
          expect(new Set(vni)).to.deep.equal(new Set(['1']));
        }
      } finally {
        api.close();
        expect(await kemu.stop()).to.equal(0);
      }
    });
  }
});
