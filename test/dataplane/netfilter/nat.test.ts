import { expect } from 'chai';
import { Netfilter } from '../../../src/dataplane/netfilter/index.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, buildIcmpError, decodeIcmp, decodeIpv4, decodeTcp, internetChecksum, ipv4 } from '../../../src/net/index.js';
import type { PacketView } from '../../../src/dataplane/types.js';
import { checked, expectChecksumsRecomputed, mulberry32, ping, tcp, udp, view } from './helpers.js';

const T0 = 1_000_000;
const NODE_IP = '10.0.0.1';

/** A node: pods behind cni0, other nodes behind flannel.1, the world behind eth0. */
function node(rules: Array<[table: 'nat' | 'filter', chain: string, rule: string]>): Netfilter {
  const nf = new Netfilter({ addressOf: (i) => (i === 'eth0' ? ipv4(NODE_IP) : i === 'cni0' ? ipv4('10.244.1.1') : undefined), random: mulberry32(7) });
  for (const [table, chain, rule] of rules) nf.ruleset.append(table, chain, rule);
  return nf;
}

/** Walks a packet through the forward path: PREROUTING, FORWARD, POSTROUTING. */
function forward(nf: Netfilter, v: PacketView, out: string, now = T0): string {
  for (const stage of ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const) {
    if (stage === 'FORWARD') v.outIface = out;
    const verdict = nf.run(stage, v, now);
    if (verdict === 'drop') return `drop@${stage}`;
  }
  return 'accept';
}

describe('netfilter/nat', () => {
  describe('DNAT', () => {
    it('translates a UDP flow to the endpoint and un-NATs the reply, checksums recomputed', () => {
      const nf = node([['nat', 'PREROUTING', '-d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.2.5:5353']]);
      const q = udp('10.244.1.2', 40000, '10.96.0.10', 53, 'query');
      const v = view(q, { inIface: 'cni0' });
      expect(forward(nf, v, 'flannel.1')).to.equal('accept');
      expect(checked(q)).to.deep.equal({ src: '10.244.1.2', dst: '10.244.2.5', sport: 40000, dport: 5353 });
      expectChecksumsRecomputed(q);
      expect([v.dst, v.dstPort]).to.deep.equal([ipv4('10.244.2.5'), 5353]); // the stack routes on the new dst

      const r = udp('10.244.2.5', 5353, '10.244.1.2', 40000, 'answer');
      expect(forward(nf, view(r, { inIface: 'flannel.1' }), 'cni0')).to.equal('accept');
      expect(checked(r)).to.deep.equal({ src: '10.96.0.10', dst: '10.244.1.2', sport: 53, dport: 40000 });
      expectChecksumsRecomputed(r);
      expect(nf.conntrack.list(T0)).to.deep.equal([
        'udp      17 30 src=10.244.1.2 dst=10.96.0.10 sport=40000 dport=53 packets=1 bytes=33 ' +
        'src=10.244.2.5 dst=10.244.1.2 sport=5353 dport=40000 packets=1 bytes=34 mark=0 use=1',
      ]);
    });

    it('translates every segment of a TCP connection and follows its state to TIME_WAIT', () => {
      const nf = node([['nat', 'PREROUTING', '-d 10.96.0.1/32 -p tcp --dport 443 -j DNAT --to-destination 10.244.2.9:6443']]);
      const C = '10.244.1.2', VIP = '10.96.0.1', E = '10.244.2.9';
      const steps: Array<[Uint8Array, 'c' | 'e', string]> = [
        [tcp(C, 51000, VIP, 443, TCP_SYN, 100), 'c', 'SYN_SENT'],
        [tcp(E, 6443, C, 51000, TCP_SYN | TCP_ACK, 900, 101), 'e', 'SYN_RECV'],
        [tcp(C, 51000, VIP, 443, TCP_ACK, 101, 901), 'c', 'ESTABLISHED'],
        [tcp(C, 51000, VIP, 443, TCP_ACK, 101, 901, 'GET / HTTP/1.1\r\n\r\n'), 'c', 'ESTABLISHED'],
        [tcp(E, 6443, C, 51000, TCP_ACK, 901, 119, 'HTTP/1.1 200 OK\r\n\r\n'), 'e', 'ESTABLISHED'],
        [tcp(C, 51000, VIP, 443, TCP_FIN | TCP_ACK, 119, 920), 'c', 'FIN_WAIT'],
        [tcp(E, 6443, C, 51000, TCP_ACK, 920, 120), 'e', 'CLOSE_WAIT'],
        [tcp(E, 6443, C, 51000, TCP_FIN | TCP_ACK, 920, 120), 'e', 'LAST_ACK'],
        [tcp(C, 51000, VIP, 443, TCP_ACK, 120, 921), 'c', 'TIME_WAIT'],
      ];
      for (const [pkt, from, state] of steps) {
        expect(forward(nf, view(pkt, { inIface: from === 'c' ? 'cni0' : 'flannel.1' }), from === 'c' ? 'flannel.1' : 'cni0')).to.equal('accept');
        const c = checked(pkt);
        if (from === 'c') expect([c.dst, c.dport]).to.deep.equal([E, 6443]);
        else expect([c.src, c.sport]).to.deep.equal([VIP, 443]);
        expectChecksumsRecomputed(pkt);
        const [entry] = [...nf.conntrack.entries()];
        expect(entry!.tcpStateName).to.equal(state);
      }
      const [entry] = [...nf.conntrack.entries()];
      expect(entry!.assured).to.equal(true);
      expect(nf.conntrack.list(T0)[0]).to.match(/^tcp {6}6 120 TIME_WAIT src=10\.244\.1\.2 dst=10\.96\.0\.1 sport=51000 dport=443 .* \[ASSURED\] mark=0 use=1$/);
    });

    it('lets ping reach a DNATed address, the echo id tracked as the port', () => {
      const nf = node([['nat', 'PREROUTING', '-d 10.96.0.10/32 -p icmp -j DNAT --to-destination 10.244.2.5']]);
      const req = ping('10.244.1.2', '10.96.0.10', 77);
      expect(forward(nf, view(req, { inIface: 'cni0' }), 'flannel.1')).to.equal('accept');
      expect(checked(req)).to.deep.equal({ src: '10.244.1.2', dst: '10.244.2.5', sport: 77, dport: 0 });
      const rep = ping('10.244.2.5', '10.244.1.2', 77, 1, true);
      expect(forward(nf, view(rep, { inIface: 'flannel.1' }), 'cni0')).to.equal('accept');
      expect(checked(rep)).to.deep.equal({ src: '10.96.0.10', dst: '10.244.1.2', sport: 77, dport: 0 });
      expect(nf.conntrack.list(T0)[0]).to.equal(
        'icmp     1 30 src=10.244.1.2 dst=10.96.0.10 type=8 code=0 id=77 packets=1 bytes=44 ' +
        'src=10.244.2.5 dst=10.244.1.2 type=0 code=0 id=77 packets=1 bytes=44 mark=0 use=1');
    });
  });

  describe('SNAT and MASQUERADE', () => {
    const MASQ: [table: 'nat', chain: string, rule: string] = ['nat', 'POSTROUTING', '-s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE'];

    it('re-selects the source port when two pods use the same one, and maps replies back', () => {
      const nf = node([MASQ]);
      const a = udp('10.244.1.2', 5000, '8.8.8.8', 53);
      const b = udp('10.244.1.3', 5000, '8.8.8.8', 53);
      expect(forward(nf, view(a, { inIface: 'cni0' }), 'eth0')).to.equal('accept');
      expect(forward(nf, view(b, { inIface: 'cni0' }), 'eth0')).to.equal('accept');
      const ca = checked(a);
      const cb = checked(b);
      expect(ca).to.deep.equal({ src: NODE_IP, dst: '8.8.8.8', sport: 5000, dport: 53 }); // kept: it was free
      expect(cb.src).to.equal(NODE_IP);
      expect(cb.sport).to.not.equal(5000);
      expect(cb.sport).to.be.within(1024, 65535); // an unprivileged port stays unprivileged
      expectChecksumsRecomputed(a);
      expectChecksumsRecomputed(b);

      for (const [port, pod] of [[5000, '10.244.1.2'], [cb.sport, '10.244.1.3']] as const) {
        const r = udp('8.8.8.8', 53, NODE_IP, port, 'answer');
        expect(forward(nf, view(r, { inIface: 'eth0' }), 'cni0')).to.equal('accept');
        expect(checked(r)).to.deep.equal({ src: '8.8.8.8', dst: pod, sport: 53, dport: 5000 });
        expectChecksumsRecomputed(r);
      }
    });

    it('leaves pod-to-pod traffic alone (the ! -d pod subnet rule) and drops when a --to-ports range is used up', () => {
      const nf = node([['nat', 'POSTROUTING', '-s 10.244.0.0/16 ! -d 10.244.0.0/16 -p udp -j MASQUERADE --to-ports 2000-2001']]);
      const local = udp('10.244.1.2', 5000, '10.244.2.2', 53);
      expect(forward(nf, view(local, { inIface: 'cni0' }), 'flannel.1')).to.equal('accept');
      expect(checked(local).src).to.equal('10.244.1.2');
      const ports: number[] = [];
      for (const pod of ['10.244.1.2', '10.244.1.3']) {
        const p = udp(pod, 5000, '8.8.8.8', 53);
        expect(forward(nf, view(p, { inIface: 'cni0' }), 'eth0')).to.equal('accept');
        ports.push(checked(p).sport);
      }
      expect(ports.sort()).to.deep.equal([2000, 2001]);
      const third = view(udp('10.244.1.4', 5000, '8.8.8.8', 53), { inIface: 'cni0' });
      nf.run('PREROUTING', third, T0);
      third.outIface = 'eth0';
      expect(nf.evaluate('POSTROUTING', third, T0)).to.deep.equal({ verdict: 'drop', reason: 'nat-exhausted', table: 'nat', chain: 'POSTROUTING' });
    });

    it('gives a second ping with the same echo id a new id (ICMP id as the port)', () => {
      const nf = node([MASQ]);
      const a = ping('10.244.1.2', '1.1.1.1', 9);
      const b = ping('10.244.1.3', '1.1.1.1', 9);
      forward(nf, view(a, { inIface: 'cni0' }), 'eth0');
      forward(nf, view(b, { inIface: 'cni0' }), 'eth0');
      expect(checked(a).sport).to.equal(9);
      const idB = checked(b).sport;
      expect(idB).to.not.equal(9);
      const reply = ping('1.1.1.1', NODE_IP, idB, 1, true);
      forward(nf, view(reply, { inIface: 'eth0' }), 'cni0');
      expect(checked(reply)).to.deep.equal({ src: '1.1.1.1', dst: '10.244.1.3', sport: 9, dport: 0 });
    });

    it('SNATs to a fixed source with --to-source and drops MASQUERADE on an interface without address', () => {
      const nf = node([
        ['nat', 'POSTROUTING', '-o eth1 -j MASQUERADE'],
        ['nat', 'POSTROUTING', '-s 10.244.1.0/24 -o eth0 -j SNAT --to-source 10.0.0.100'],
      ]);
      const p = udp('10.244.1.2', 4000, '8.8.4.4', 53);
      forward(nf, view(p, { inIface: 'cni0' }), 'eth0');
      expect(checked(p).src).to.equal('10.0.0.100');
      const q = view(udp('10.244.1.2', 4001, '8.8.4.4', 53), { inIface: 'cni0' });
      nf.run('PREROUTING', q, T0);
      q.outIface = 'eth1';
      expect(nf.evaluate('POSTROUTING', q, T0)).to.include({ verdict: 'drop', reason: 'masquerade-no-address' });
    });
  });

  describe('ICMP errors', () => {
    it('rewrites the quoted header of a port unreachable coming back through DNAT', () => {
      const nf = node([['nat', 'PREROUTING', '-d 10.96.0.10/32 -p udp --dport 53 -j DNAT --to-destination 10.244.2.5:5353']]);
      const q = udp('10.244.1.2', 40000, '10.96.0.10', 53, 'query');
      const original = q.slice();
      forward(nf, view(q, { inIface: 'cni0' }), 'flannel.1');
      // The endpoint's host answers with a port unreachable quoting the datagram as it arrived.
      const err = buildIcmpError({ src: ipv4('10.244.2.5'), dst: ipv4('10.244.1.2'), kind: 'dest-unreachable', code: 3, original: q });
      const v = view(err, { inIface: 'flannel.1' });
      expect(forward(nf, v, 'cni0')).to.equal('accept');
      expect(nf.packetConntrack(v)?.state).to.equal('RELATED');
      const outer = decodeIpv4(err);
      expect(outer.ok).to.equal(true);
      if (!outer.ok) return;
      expect(outer.value.src).to.equal(ipv4('10.96.0.10'));
      const icmp = decodeIcmp(outer.value.payload); // verifies the ICMP checksum
      expect(icmp.ok).to.equal(true);
      if (!icmp.ok || icmp.value.kind !== 'dest-unreachable') throw new Error('not an unreachable');
      // The quote is now exactly the client's own datagram (header + 8 bytes), checksums included.
      expect([...icmp.value.original]).to.deep.equal([...original.subarray(0, 28)]);
    });

    it('un-NATs a REJECT answered with tcp-reset or port unreachable for a DNATed first packet', () => {
      for (const how of ['tcp-reset', 'icmp-port-unreachable'] as const) {
        const nf = node([
          ['nat', 'PREROUTING', '-d 10.96.0.20/32 -p tcp --dport 80 -j DNAT --to-destination 10.244.2.7:8080'],
          ['filter', 'FORWARD', `-d 10.244.2.7/32 -p tcp --dport 8080 -j REJECT --reject-with ${how}`],
        ]);
        const syn = tcp('10.244.1.2', 33000, '10.96.0.20', 80, TCP_SYN, 5000);
        const v = view(syn, { inIface: 'cni0' });
        expect(forward(nf, v, 'flannel.1')).to.equal('drop@FORWARD');
        const rej = nf.takeRejection(v);
        expect(rej).to.include({ stage: 'FORWARD', table: 'filter', chain: 'FORWARD', rejectWith: how });
        expect(nf.takeRejection(v)).to.equal(undefined); // taken once
        const reply = nf.rejectReply(v, rej!, ipv4('10.244.1.1'))!;
        const rv = view(reply, { outIface: 'cni0' });
        expect(nf.run('OUTPUT', rv, T0)).to.equal('accept');
        expect(nf.run('POSTROUTING', rv, T0)).to.equal('accept');
        const ip = decodeIpv4(reply);
        if (!ip.ok) throw ip.error;
        expect(ip.value.src).to.equal(ipv4('10.96.0.20')); // the client hears from the address it called
        if (how === 'tcp-reset') {
          const seg = decodeTcp(ip.value.payload, ip.value);
          if (!seg.ok) throw seg.error;
          expect(seg.value).to.include({ srcPort: 80, dstPort: 33000, flags: TCP_RST | TCP_ACK, ack: 5001 });
        } else {
          const m = decodeIcmp(ip.value.payload);
          if (!m.ok || m.value.kind !== 'dest-unreachable') throw new Error('not an unreachable');
          // The quote names the service again: dst 10.96.0.20, sport 33000, dport 80, header checksum valid.
          expect([...m.value.original.subarray(16, 24)]).to.deep.equal([10, 96, 0, 20, 0x80, 0xe8, 0, 80]);
          expect(internetChecksum(m.value.original, 0, 20)).to.equal(0);
        }
        expect(nf.conntrack.size).to.equal(0); // the rejected connection was never confirmed
      }
    });
  });

  describe('incremental checksums', () => {
    it('equal a full recomputation for random TCP/UDP rewrites of either end', async () => {
      const { manipDatagram, datagramEnd } = await import('../../../src/dataplane/netfilter/index.js');
      const rnd = mulberry32(99);
      const r32 = (): number => (Math.floor(rnd() * 65536) * 65536 + Math.floor(rnd() * 65536)) >>> 0;
      const r16 = (): number => Math.floor(rnd() * 65536);
      for (let i = 0; i < 500; i++) {
        const payload = 'x'.repeat(Math.floor(rnd() * 40));
        const pkt = rnd() < 0.5
          ? udp('10.1.2.3', r16(), '10.9.8.7', r16(), payload)
          : tcp('172.16.0.1', r16(), '192.168.1.1', r16(), TCP_ACK | TCP_FIN, r32(), r32(), payload);
        manipDatagram(pkt, 0, datagramEnd(pkt), rnd() < 0.5 ? 'src' : 'dst', r32(), r16());
        expectChecksumsRecomputed(pkt);
        checked(pkt);
      }
    });

    it('keeps a UDP checksum of 0 ("none") as 0', async () => {
      const { manipDatagram, datagramEnd } = await import('../../../src/dataplane/netfilter/index.js');
      const { buildIpv4Udp } = await import('../../../src/net/index.js');
      const pkt = buildIpv4Udp({ src: 1, dst: 2, srcPort: 3, dstPort: 4, udpChecksum: false, payload: new Uint8Array(5) });
      manipDatagram(pkt, 0, datagramEnd(pkt), 'dst', ipv4('10.0.0.9'), 99);
      expect([pkt[26], pkt[27]]).to.deep.equal([0, 0]);
      expect(checked(pkt)).to.deep.include({ dst: '10.0.0.9', dport: 99 });
    });
  });
});
