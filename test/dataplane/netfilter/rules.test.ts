import { expect } from 'chai';
import { Netfilter, restore } from '../../../src/dataplane/netfilter/index.js';
import { TCP_SYN, ipv4 } from '../../../src/net/index.js';
import type { PacketView } from '../../../src/dataplane/types.js';
import { mulberry32, ping, tcp, udp, view } from './helpers.js';

const T0 = 2_000_000;

describe('netfilter/rules', () => {
  describe('matches', () => {
    const pkt = (): PacketView => view(tcp('10.244.3.4', 5000, '10.96.0.10', 80, TCP_SYN), { inIface: 'cali123', outIface: 'eth0', mark: 0x4001 });
    const cases: Array<[rule: string, matches: boolean, tweak?: (v: PacketView) => void]> = [
      ['-s 10.244.0.0/16', true],
      ['-s 10.245.0.0/16', false],
      ['! -s 10.244.0.0/16', false],
      ['-s 10.244.3.4', true],
      ['-d 10.96.0.0/255.240.0.0', true],
      ['! -d 10.96.0.10/32', false],
      ['-i cali+', true],
      ['-i cali', false],
      ['-i eth+', false],
      ['! -i eth0', true],
      ['-o eth0', true],
      ['-p tcp', true],
      ['-p udp', false],
      ['! -p udp', true],
      ['-p tcp --dport 80', true],
      ['-p tcp -m tcp --dport 1:79', false],
      ['-p tcp ! --dport 80', false],
      ['-p tcp --sport 4000:6000 --dport 80', true],
      ['-p tcp --dport 80', false, (v) => { v.packet[7] = 1; }], // a non-first fragment has no ports
      ['-m mark --mark 0x4000/0x4000', true],
      ['-m mark --mark 0x4000', false],
      ['-m mark ! --mark 0x4000/0x4000', false],
      ['-m mark --mark 0x4000/0x4000', false, (v) => { v.mark = 1; }],
      ['-m addrtype --dst-type LOCAL', false],
      ['-m addrtype --dst-type LOCAL', true, (v) => { v.dst = ipv4('10.0.0.1'); }],
      ['-m addrtype ! --dst-type LOCAL --src-type UNICAST', true],
      ['-m comment --comment "any packet"', true],
      ['-m conntrack --ctstate NEW', true],
      ['-m conntrack --ctstate RELATED,ESTABLISHED', false],
      ['-m state --state NEW', true],
      ['-m conntrack --ctstate DNAT', false],
    ];
    for (const [rule, expected, tweak] of cases) {
      it(`${rule}${tweak ? ' (variant)' : ''} ${expected ? 'matches' : 'does not match'}`, () => {
        const nf = new Netfilter({ isLocal: (ip) => ip === ipv4('10.0.0.1') });
        nf.ruleset.append('filter', 'FORWARD', `${rule} -j DROP`);
        const v = pkt();
        tweak?.(v);
        nf.run('PREROUTING', v, T0);
        expect(nf.run('FORWARD', v, T0)).to.equal(expected ? 'drop' : 'accept');
      });
    }

    it('sees ESTABLISHED on the reply and DNAT on a translated connection', () => {
      const nf = new Netfilter();
      nf.ruleset.append('nat', 'PREROUTING', '-d 10.96.0.10/32 -p udp -j DNAT --to-destination 10.244.2.2');
      nf.ruleset.append('filter', 'FORWARD', '-m conntrack --ctstate ESTABLISHED -j MARK --set-xmark 0x1/0x1');
      nf.ruleset.append('filter', 'FORWARD', '-m conntrack --ctstate DNAT -j MARK --or-mark 0x2');
      const q = view(udp('10.244.1.2', 999, '10.96.0.10', 53), { outIface: 'x' });
      for (const s of ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const) nf.run(s, q, T0);
      expect(q.mark).to.equal(2);
      const r = view(udp('10.244.2.2', 53, '10.244.1.2', 999), { outIface: 'y' });
      for (const s of ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const) nf.run(s, r, T0);
      expect(r.mark).to.equal(3);
    });
  });

  describe('targets and traversal', () => {
    function load(text: string): Netfilter {
      const nf = new Netfilter();
      restore(nf.ruleset, text);
      return nf;
    }
    const fwd = (nf: Netfilter, v: PacketView): string => nf.run('FORWARD', v, T0);

    it('jumps, RETURNs to the next rule of the caller, and applies the policy at the end', () => {
      const nf = load(`*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:CHECK - [0:0]
-A FORWARD -j CHECK
-A FORWARD -s 10.1.0.0/16 -j ACCEPT
-A CHECK -s 10.1.2.0/24 -j RETURN
-A CHECK -s 10.1.0.0/16 -j DROP
COMMIT
`);
      expect(fwd(nf, view(udp('10.1.2.3', 1, '10.9.9.9', 2)))).to.equal('accept'); // RETURN, then ACCEPT
      expect(fwd(nf, view(udp('10.1.3.3', 1, '10.9.9.9', 2)))).to.equal('drop'); // DROP inside CHECK
      expect(fwd(nf, view(udp('10.7.0.1', 1, '10.9.9.9', 2)))).to.equal('drop'); // policy
      expect(nf.ruleset.listRules('filter', 'FORWARD').map((r) => [r.packets, r.bytes])).to.deep.equal([[3, 99], [1, 33]]);
      expect(nf.ruleset.listRules('filter', 'CHECK').map((r) => r.packets)).to.deep.equal([1, 1]);
      expect(nf.ruleset.chain('filter', 'FORWARD')!.counters).to.deep.equal({ packets: 1, bytes: 33 });
    });

    it('-g: when the chain gone to falls off its end, the caller returns too', () => {
      const nf = load(`*filter
:FORWARD ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A FORWARD -j A
-A FORWARD -j DROP
-A A -g B
-A A -j ACCEPT
-A B -p tcp -j ACCEPT
COMMIT
`);
      expect(fwd(nf, view(tcp('1.1.1.1', 1, '2.2.2.2', 2, TCP_SYN)))).to.equal('accept');
      // udp: B falls through; with -g the rest of A is skipped and FORWARD continues to DROP.
      expect(fwd(nf, view(udp('1.1.1.1', 1, '2.2.2.2', 2)))).to.equal('drop');
    });

    it('ACCEPT in a user chain ends the table; MARK variants set the mark as xt_MARK does', () => {
      const nf = load(`*filter
:FORWARD ACCEPT [0:0]
:KUBE-MARK - [0:0]
-A FORWARD -j KUBE-MARK
-A FORWARD -j DROP
-A KUBE-MARK -j MARK --set-xmark 0x4000/0x4000
-A KUBE-MARK -j MARK --or-mark 0x10
-A KUBE-MARK -j MARK --and-mark 0xffff
-A KUBE-MARK -j MARK --xor-mark 0x1
-A KUBE-MARK -m mark --mark 0x4011/0xffff -j ACCEPT
COMMIT
`);
      const v = view(udp('1.1.1.1', 1, '2.2.2.2', 2), { mark: 0x10000 });
      expect(fwd(nf, v)).to.equal('accept');
      expect(v.mark).to.equal(0x4011);
    });

    it('a rule without target only counts', () => {
      const nf = new Netfilter();
      nf.ruleset.append('filter', 'FORWARD', '-p udp');
      fwd(nf, view(udp('1.1.1.1', 1, '2.2.2.2', 2)));
      expect(nf.ruleset.listRules('filter', 'FORWARD')).to.deep.equal([{ rule: '-p udp', packets: 1, bytes: 33 }]);
    });
  });

  describe('-m statistic', () => {
    const KUBE_SVC = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SVC-X - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-SEP-B - [0:0]
:KUBE-SEP-C - [0:0]
-A PREROUTING -d 10.96.0.50/32 -p udp -m udp --dport 53 -j KUBE-SVC-X
-A KUBE-SVC-X -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A
-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B
-A KUBE-SVC-X -j KUBE-SEP-C
-A KUBE-SEP-A -p udp -m udp -j DNAT --to-destination 10.244.1.1:53
-A KUBE-SEP-B -p udp -m udp -j DNAT --to-destination 10.244.1.2:53
-A KUBE-SEP-C -p udp -m udp -j DNAT --to-destination 10.244.1.3:53
COMMIT
`;
    it('spreads 30,000 connections ~uniformly over 3 endpoints with the 1/(n-i) chain', () => {
      const nf = new Netfilter({ random: mulberry32(2024) });
      restore(nf.ruleset, KUBE_SVC);
      const counts = new Map<number, number>();
      for (let i = 0; i < 30000; i++) {
        const p = udp(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + (i % 60000), '10.96.0.50', 53);
        nf.run('PREROUTING', view(p), T0);
        counts.set(p[19]!, (counts.get(p[19]!) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).to.deep.equal([1, 2, 3]);
      for (const n of counts.values()) expect(n).to.be.within(10000 - 300, 10000 + 300);
      const rules = nf.ruleset.listRules('nat', 'KUBE-SVC-X').map((r) => r.packets);
      expect(rules[0]).to.equal(counts.get(1)); // the chain's counters tell the same story
    });

    it('--mode nth matches every Nth packet', () => {
      const nf = new Netfilter();
      nf.ruleset.append('filter', 'FORWARD', '-m statistic --mode nth --every 3 --packet 0 -j DROP');
      const verdicts = Array.from({ length: 6 }, () => nf.run('FORWARD', view(udp('1.1.1.1', 1, '2.2.2.2', 2)), T0));
      expect(verdicts).to.deep.equal(['accept', 'accept', 'drop', 'accept', 'accept', 'drop']);
    });
  });

  describe('-m recent (ClientIP session affinity)', () => {
    const AFFINITY = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SVC-X - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-SEP-B - [0:0]
-A PREROUTING -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-X
-A KUBE-SVC-X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A
-A KUBE-SVC-X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-B --mask 255.255.255.255 --rsource -j KUBE-SEP-B
-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A
-A KUBE-SVC-X -j KUBE-SEP-B
-A KUBE-SEP-A -p tcp -m recent --set --name KUBE-SEP-A --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.2.1:8080
-A KUBE-SEP-B -p tcp -m recent --set --name KUBE-SEP-B --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.2.2:8080
COMMIT
`;
    it('keeps a client on its endpoint until --seconds pass without a new connection', () => {
      let r = 0.1; // below 0.5: the statistic rule picks A
      const nf = new Netfilter({ random: () => r });
      restore(nf.ruleset, AFFINITY);
      let sport = 30000;
      const connect = (client: string, at: number): number => {
        const p = tcp(client, sport++, '10.96.0.50', 80, TCP_SYN);
        nf.run('PREROUTING', view(p), at);
        return p[19]!;
      };
      expect(connect('10.244.1.2', T0)).to.equal(1);
      r = 0.9; // the dice now say B, but affinity wins
      expect(connect('10.244.1.2', T0 + 10_000_000)).to.equal(1);
      expect(connect('10.244.1.2', T0 + 20_000_000)).to.equal(1); // 10,000 s after the previous --set
      expect(connect('10.244.1.9', T0 + 20_000_000)).to.equal(2); // another client rolls the dice
      expect(nf.recent.entries('KUBE-SEP-A').map((e) => e.addr)).to.deep.equal([ipv4('10.244.1.2')]);
      expect(connect('10.244.1.2', T0 + 20_000_000 + 10_801_000)).to.equal(2); // affinity timed out
    });

    it('--reap forgets the stale oldest address, lists are capped, --update refreshes, --remove deletes', () => {
      const nf = new Netfilter({ recent: { maxEntries: 2 } });
      const rules = (...r: string[]): void => {
        nf.ruleset.apply('filter', (e) => e.flush('INPUT'));
        for (const x of r) nf.ruleset.append('filter', 'INPUT', x);
      };
      const from = (ip: string, at: number): string => nf.run('INPUT', view(ping(ip, '9.9.9.9', 1)), T0 + at);
      const listed = (): string[] => nf.recent.entries('L').map((e) => `${e.addr & 255}x${e.hits}`);
      rules('-m recent --name L --set');
      from('1.1.1.1', 0);
      from('1.1.1.2', 8_000);
      rules('-m recent --name L --rcheck --seconds 5 --reap -j DROP');
      expect(from('1.1.1.2', 10_000)).to.equal('drop'); // seen 2 s ago
      expect(listed()).to.deep.equal(['2x1']); // .1 (10 s old) reaped; rcheck does not add a hit
      expect(from('1.1.1.2', 14_000)).to.equal('accept'); // 6 s: outside the window
      rules('-m recent --name L --set');
      from('1.1.1.3', 15_000);
      from('1.1.1.4', 15_000);
      expect(listed()).to.deep.equal(['3x1', '4x1']); // capped at 2: the least recently seen (.2) went
      rules('-m recent --name L --update --seconds 60 -j ACCEPT', '-j DROP');
      expect(from('1.1.1.3', 20_000)).to.equal('accept');
      expect(from('1.1.1.7', 20_000)).to.equal('drop');
      expect(listed()).to.deep.equal(['4x1', '3x2']); // .3 refreshed to the most recent end
      rules('-m recent --name L --remove -j DROP');
      expect(from('1.1.1.4', 21_000)).to.equal('drop');
      expect(from('1.1.1.4', 21_000)).to.equal('accept');
      expect(listed()).to.deep.equal(['3x2']);
    });
  });
});
