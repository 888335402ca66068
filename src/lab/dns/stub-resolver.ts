/**
 * A pod's resolver, as glibc's stub resolver behaves under the kubelet's resolv.conf: the search list
 * and ndots decide which names are asked, in order; each is an A query over UDP port 53 from the
 * pod's own namespace to its nameservers (the kube-dns ClusterIP, so kube-proxy's DNAT and the CNI
 * carry it to a CoreDNS pod), `timeout` seconds per try, `attempts` rounds. NXDOMAIN and an empty
 * answer move on to the next name; the first address found wins.
 */
import dnsPacket from 'dns-packet';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { KemuError } from '../../util/errors.js';
import { type ResolvConf, candidateNames } from '../../node/resolv-conf.js';

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

type Answer = { rcode: 'NOERROR' | 'ERROR' | 'REFUSED'; addresses: string[] } | undefined;

export async function resolveInNamespace(ns: NetNamespace, conf: ResolvConf, host: string): Promise<string> {
  if (IPV4.test(host)) return host;
  if (conf.nameservers.length === 0) throw new KemuError('ENOTFOUND', `lookup ${host}: no nameserver configured (dnsPolicy Default on a kemu node)`);
  for (const name of candidateNames(host, conf)) {
    for (let attempt = 0; attempt < conf.attempts; attempt++) {
      let answered = false;
      for (const server of conf.nameservers) {
        const a = await queryA(ns, server, name, conf.timeout * 1000);
        if (a === undefined) continue;
        answered = true;
        if (a.rcode === 'NOERROR' && a.addresses.length > 0) return a.addresses[0]!;
        break; // NXDOMAIN / NODATA / SERVFAIL: an answer, try the next name
      }
      if (answered) break;
    }
  }
  throw new KemuError('ENOTFOUND', `lookup ${host}: no such host`);
}

/** One A query; undefined on timeout. */
function queryA(ns: NetNamespace, server: string, name: string, timeoutMs: number): Promise<Answer> {
  const id = Math.floor(Math.random() * 0x10000);
  const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
  const sock = ns.udp.bind(0);
  return new Promise<Answer>((resolve) => {
    const finish = (a: Answer): void => {
      timer.cancel();
      sock.close();
      resolve(a);
    };
    const timer = ns.clock.setTimeout(() => finish(undefined), timeoutMs);
    sock.onMessage((payload) => {
      try {
        const reply = dnsPacket.decode(Buffer.from(payload));
        if (reply.id !== id) return;
        const addresses = (reply.answers ?? []).flatMap((r) => (r.type === 'A' ? [String(r.data)] : []));
        // The header's low 4 bits are the rcode (0 NOERROR, 3 NXDOMAIN).
        finish({ rcode: ((reply.flags ?? 0) & 0xf) === 0 ? 'NOERROR' : 'ERROR', addresses });
      } catch {
        // a malformed reply is ignored, as the stub resolver does; the timeout decides
      }
    });
    sock.onError(() => finish({ rcode: 'REFUSED', addresses: [] }));
    sock.send(server, 53, query);
  });
}
