import { expect } from 'chai';
import { Netfilter, restore } from '../../../src/dataplane/netfilter/index.js';
import { TCP_SYN, ipv4 } from '../../../src/net/index.js';
import { mulberry32, tcp, udp, view } from './helpers.js';

const T0 = 3_000_000;
const N = 10_000;
const vip = (i: number): string => `10.96.${i >> 8}.${i & 255}`;
const hash = (i: number): string => i.toString(36).toUpperCase().padStart(16, 'Q');

/** kube-proxy's restore input for N ClusterIP services (every 10th also a NodePort), one endpoint each. */
function kubeProxyRestore(): string {
  const chains: string[] = [':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
  const rules: string[] = ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'];
  for (let i = 0; i < N; i++) {
    const svc = `KUBE-SVC-${hash(i)}`;
    const sep = `KUBE-SEP-${hash(i)}`;
    const ep = `10.244.${(i >> 8) & 255}.${i & 255}`;
    chains.push(`:${svc} - [0:0]`, `:${sep} - [0:0]`);
    rules.push(
      `-A KUBE-SERVICES -m comment --comment "ns/svc-${i}:http cluster IP" -m tcp -p tcp -d ${vip(i)}/32 --dport 80 -j ${svc}`,
      `-A ${svc} ! -s 10.244.0.0/16 -d ${vip(i)}/32 -p tcp -m comment --comment "ns/svc-${i}:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`,
      `-A ${svc} -m comment --comment "ns/svc-${i}:http -> ${ep}:8080" -j ${sep}`,
      `-A ${sep} -m comment --comment ns/svc-${i}:http -s ${ep}/32 -j KUBE-MARK-MASQ`,
      `-A ${sep} -m comment --comment ns/svc-${i}:http -m tcp -p tcp -j DNAT --to-destination ${ep}:8080`,
    );
    if (i % 10 === 0) rules.push(`-A KUBE-NODEPORTS -m comment --comment ns/svc-${i}:http -m tcp -p tcp --dport ${30000 + i / 10} -j ${svc}`);
  }
  rules.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  return ['*nat', ':PREROUTING ACCEPT [0:0]', ...chains, ...rules, 'COMMIT', ''].join('\n');
}

describe('netfilter/scale', () => {
  it(`finds the rule of any of ${N} services in the same few rule evaluations`, () => {
    const nf = new Netfilter({ isLocal: (ip) => ip === ipv4('10.0.0.1') });
    restore(nf.ruleset, kubeProxyRestore(), { noflush: true });
    expect(nf.ruleset.chain('nat', 'KUBE-SERVICES')!.rules).to.have.length(N + 1);
    const cost = (p: Uint8Array): number => {
      const before = nf.engine.stats.rulesEvaluated;
      nf.run('PREROUTING', view(p, { inIface: 'cni0' }), T0);
      return nf.engine.stats.rulesEvaluated - before;
    };
    const costs = [0, 1, N / 2, N - 1].map((i) => {
      const p = tcp('10.244.200.1', 40000 + (i % 1000), vip(i), 80, TCP_SYN);
      const c = cost(p);
      expect([p[16], p[17], p[18], p[19]]).to.deep.equal([10, 244, (i >> 8) & 255, i & 255]); // DNATed to its endpoint
      return c;
    });
    // PREROUTING jump, the dispatched KUBE-SERVICES rule, 2 in KUBE-SVC, 2 in KUBE-SEP: 6, wherever the service sits.
    expect(costs).to.deep.equal([6, 6, 6, 6]);
    // A miss skips the whole run of service rules at once: the jump, then only the NodePort rule.
    expect(cost(tcp('10.244.200.1', 50000, '10.96.200.200', 80, TCP_SYN))).to.equal(2);
    expect(cost(udp('10.244.200.1', 50001, vip(7), 80))).to.equal(2); // wrong protocol: a miss too
    // NodePorts: KUBE-NODEPORTS is dispatched by (proto, port) the same way.
    const np = tcp('172.18.0.9', 50002, '10.0.0.1', 30000 + 999, TCP_SYN);
    expect(cost(np)).to.equal(2 + 1 + 4);
    expect([np[18], np[19]]).to.deep.equal([(9990 >> 8) & 255, 9990 & 255]);
    expect(nf.ruleset.listRules('nat', 'KUBE-SERVICES')[N / 2]!.packets).to.equal(1);
  });

  it('dispatch gives the same verdicts, marks and counters as a plain scan (first match wins, fall-through kept)', () => {
    // The same rules twice: as written (dispatched) and with "-i +" added (matches everything, but
    // takes the rule out of the dispatch shape, so it is scanned).
    const rules = [
      '-d 10.96.0.1/32 -p tcp --dport 80 -j MARK --or-mark 0x1',
      '-d 10.96.0.2/32 -p tcp --dport 80 -j DROP',
      '-p tcp --dport 80 -j MARK --or-mark 0x2',
      '-d 10.96.0.1/32 -p tcp --dport 80 -j ACCEPT',
      '-d 10.96.0.3/32 -p udp --dport 53 -j SVC',
      '-d 10.96.0.3/32 -p udp --dport 53 -j DROP',
      '-d 10.96.0.4/32 -p udp --dport 53 -g SVC',
      '-p udp --dport 53 -j MARK --or-mark 0x8',
      '-s 10.1.0.0/16 -j DROP', // breaks the run: two segments
      '-d 10.96.0.1/32 -p tcp --dport 80 -j MARK --or-mark 0x10',
      '-d 10.96.0.5/32 -p tcp --dport 81 -j DROP',
      '-d 10.96.0.6/32 -p tcp --dport 81 -j DROP',
      '-p tcp --dport 81 -j ACCEPT',
      '-d 10.96.0.1/32 -p tcp --dport 82 -j REJECT',
    ];
    const build = (scan: boolean): Netfilter => {
      const nf = new Netfilter();
      restore(nf.ruleset, `*filter\n:FORWARD DROP [0:0]\n:SVC - [0:0]\n:KUBE-SERVICES - [0:0]\n-A FORWARD -j KUBE-SERVICES\n-A FORWARD -j ACCEPT\n` +
        `-A SVC -m mark --mark 0x0/0x4 -j MARK --or-mark 0x4\n${rules.map((r) => `-A KUBE-SERVICES ${scan ? '-i + ' : ''}${r}`).join('\n')}\nCOMMIT\n`);
      return nf;
    };
    const fast = build(false);
    const slow = build(true);
    const rnd = mulberry32(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    for (let i = 0; i < 2000; i++) {
      const src = pick(['10.1.2.3', '10.2.2.3']);
      const dst = pick(['10.96.0.1', '10.96.0.2', '10.96.0.3', '10.96.0.4', '10.96.0.5', '10.96.0.6', '10.96.0.9']);
      const port = pick([53, 80, 81, 82]);
      const make = (): Uint8Array => (rnd() < 0.5 ? tcp(src, 1000, dst, port, TCP_SYN) : udp(src, 1000, dst, port));
      const a = view(make());
      const b = view(a.packet.slice());
      expect([fast.evaluate('FORWARD', a, T0).verdict, a.mark]).to.deep.equal([slow.evaluate('FORWARD', b, T0).verdict, b.mark]);
    }
    const counts = (nf: Netfilter): number[] => nf.ruleset.listRules('filter', 'KUBE-SERVICES').map((r) => r.packets);
    expect(counts(fast)).to.deep.equal(counts(slow));
    expect(fast.engine.stats.rulesEvaluated).to.be.below(slow.engine.stats.rulesEvaluated);
  });
});
