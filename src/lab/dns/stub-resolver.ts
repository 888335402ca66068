/**
 * A pod's resolver, as glibc's stub resolver behaves under the kubelet's resolv.conf: the search list
 * and ndots decide which names are asked, in order; each is an A query over UDP port 53 from the
 * pod's own namespace to its nameservers (the kube-dns ClusterIP, so kube-proxy's DNAT and the CNI
 * carry it to a CoreDNS pod), `timeout` seconds per try, `attempts` rounds. NXDOMAIN and an empty
 * answer move on to the next name; the first address found wins.
 */
import dnsPacket from 'dns-packet';
import type { NetNamespace, UdpSocketError } from '../../dataplane/stack/index.js';
import { KemuError } from '../../util/errors.js';
import { type ResolvConf, candidateNames } from '../../node/resolv-conf.js';

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export async function resolveInNamespace(ns: NetNamespace, conf: ResolvConf, host: string): Promise<string> {
  if (IPV4.test(host)) return host;
  if (conf.nameservers.length === 0) throw new KemuError('ENOTFOUND', `lookup ${host}: no nameserver configured (dnsPolicy Default on a kemu node)`);
  for (const name of candidateNames(host, conf)) {
    for (let attempt = 0; attempt < conf.attempts; attempt++) {
      let answered = false;
      for (const server of conf.nameservers) {
        const a = await queryA(ns, server, name, conf.timeout * 1000);
        if (a.kind === 'timeout') continue;
        answered = true;
        if (a.kind === 'reply' && a.rcode === 0 && a.addresses.length > 0) return a.addresses[0]!;
        break; // NXDOMAIN / NODATA / SERVFAIL / unreachable: an answer, try the next name
      }
      if (answered) break;
    }
  }
  throw new KemuError('ENOTFOUND', `lookup ${host}: no such host`);
}

/** What one A query got: a reply (its rcode and A addresses), an ICMP error, or nothing in time. */
export type QueryOutcome =
  | { kind: 'reply'; rcode: number; addresses: string[] }
  | { kind: 'unreachable'; error: UdpSocketError }
  | { kind: 'timeout' };

/**
 * One A query for `name` over UDP from `ns` to `server`:53, as the stub resolver sends it (random
 * id, RD set). A reply with another id or that does not decode is ignored; the timeout decides.
 */
export function queryA(ns: NetNamespace, server: string, name: string, timeoutMs: number): Promise<QueryOutcome> {
  const id = Math.floor(Math.random() * 0x10000);
  const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
  const sock = ns.udp.bind(0);
  return new Promise<QueryOutcome>((resolve) => {
    const finish = (o: QueryOutcome): void => {
      timer.cancel();
      sock.close();
      resolve(o);
    };
    const timer = ns.clock.setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    sock.onMessage((payload) => {
      let reply;
      try {
        reply = dnsPacket.decode(Buffer.from(payload));
      } catch {
        return; // malformed: ignored, as the stub resolver does
      }
      if (reply.id !== id) return;
      const addresses = (reply.answers ?? []).flatMap((r) => (r.type === 'A' ? [String(r.data)] : []));
      // The header's low 4 bits are the rcode (0 NOERROR, 3 NXDOMAIN).
      finish({ kind: 'reply', rcode: (reply.flags ?? 0) & 0xf, addresses });
    });
    sock.onError((error) => finish({ kind: 'unreachable', error }));
    sock.send(server, 53, query);
  });
}
