/**
 * The IPVS table: virtual services and real servers, connections through their TCP states with
 * IPVS's timeouts, persistence templates, quiescent and removed real servers, and the ipvsadm views.
 */
import { expect } from 'chai';
import { ipv4 } from '../../../src/net/index.js';
import { DEFAULT_IPVS_TIMEOUTS, nextTcpState } from '../../../src/proxy/ipvs/conn-state.js';
import { ipvsadmConnections, ipvsadmList, ipvsadmTimeouts } from '../../../src/proxy/ipvs/dump.js';
import { IpvsTable, type PacketTuple } from '../../../src/proxy/ipvs/model.js';

const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, SYNACK = SYN | ACK;
const T0 = 1_000_000;

const toVip = (sport: number, flags: number, client = '10.244.1.5'): PacketTuple =>
  ({ protocol: 'TCP', src: ipv4(client), sport, dst: ipv4('10.96.0.1'), dport: 443, flags });
const fromReal = (conn: { daddr: number; dport: number; caddr: number; cport: number }, flags: number): PacketTuple =>
  ({ protocol: 'TCP', src: conn.daddr, sport: conn.dport, dst: conn.caddr, dport: conn.cport, flags });

function table(persistent = 0): IpvsTable {
  const t = new IpvsTable();
  const svc = t.addService({ protocol: 'TCP', address: '10.96.0.1', port: 443, scheduler: 'rr', timeout: persistent });
  t.addDest(svc, { address: '172.18.0.10', port: 6443, weight: 1 });
  t.addDest(svc, { address: '172.18.0.11', port: 6443, weight: 1 });
  return t;
}

describe('proxy/ipvs table', () => {
  it('IPVS TCP states: handshake, active count, close, TIME_WAIT expiry after 120 s', () => {
    const t = table();
    const r = t.inbound(toVip(40000, SYN), T0);
    if (r.action !== 'forward') throw new Error(r.action);
    expect(r.fresh).to.equal(true);
    const c = r.conn;
    expect(c.state).to.equal('SYN_RECV');
    expect(t.outbound(fromReal(c, SYNACK), T0)?.state).to.equal('SYN_RECV');
    t.inbound(toVip(40000, ACK), T0);
    expect(c.state).to.equal('ESTABLISHED');
    expect(c.dest).to.include({ activeConns: 1, inactConns: 0 });
    expect(c.expires).to.equal(T0 + 900_000);
    t.inbound(toVip(40000, FIN | ACK), T0 + 10);
    expect(c.state).to.equal('CLOSE_WAIT');
    expect(c.dest).to.include({ activeConns: 0, inactConns: 1 });
    t.outbound(fromReal(c, FIN | ACK), T0 + 20);
    expect(c.state).to.equal('TIME_WAIT');
    expect(t.connections(T0 + 20 + 119_000)).to.have.length(1);
    expect(t.connections(T0 + 20 + 120_000)).to.have.length(0);
    expect(c.dest).to.include({ activeConns: 0, inactConns: 0 });
  });

  const transitions: Array<[string, Parameters<typeof nextTcpState>, string]> = [
    ['server closes first: FIN out → FIN_WAIT', ['ESTABLISHED', 'output', FIN | ACK], 'FIN_WAIT'],
    ['then the client FIN → TIME_WAIT', ['FIN_WAIT', 'input', FIN | ACK], 'TIME_WAIT'],
    ['RST in → CLOSE', ['ESTABLISHED', 'input', RST], 'CLOSE'],
    ['a segment without flags changes nothing', ['SYN_RECV', 'input', 0], 'SYN_RECV'],
  ];
  for (const [name, args, want] of transitions) it(`state table: ${name}`, () => expect(nextTcpState(...args)).to.equal(want));

  it('only a SYN starts a TCP connection; unknown services and other segments pass to the host', () => {
    const t = table();
    expect(t.inbound(toVip(40001, ACK), T0)).to.deep.equal({ action: 'pass' });
    expect(t.inbound({ ...toVip(40001, SYN), dport: 80 }, T0)).to.deep.equal({ action: 'pass' });
  });

  it('a service without (usable) real servers: unreachable', () => {
    const t = new IpvsTable();
    const svc = t.addService({ protocol: 'UDP', address: '10.96.0.10', port: 53, scheduler: 'rr' });
    const p: PacketTuple = { protocol: 'UDP', src: ipv4('10.244.1.5'), sport: 5000, dst: ipv4('10.96.0.10'), dport: 53, flags: 0 };
    expect(t.inbound(p, T0).action).to.equal('unreachable');
    t.addDest(svc, { address: '10.244.2.2', port: 53, weight: 0 });
    expect(t.inbound(p, T0).action).to.equal('unreachable');
    t.editDest(svc, { address: '10.244.2.2', port: 53, weight: 1 });
    const r = t.inbound(p, T0);
    expect(r.action).to.equal('forward');
    if (r.action === 'forward') expect(r.conn).to.include({ state: 'UDP', expires: T0 + 300_000 });
  });

  it('timeouts follow ipvsadm --set tcp tcpfin udp', () => {
    const t = table();
    expect(ipvsadmTimeouts(t)).to.equal('Timeout (tcp tcpfin udp): 900 120 300\n');
    t.timeouts = { ...DEFAULT_IPVS_TIMEOUTS, tcp: 60 };
    const r = t.inbound(toVip(40010, SYN), T0);
    if (r.action !== 'forward') throw new Error(r.action);
    t.inbound(toVip(40010, ACK), T0);
    expect(r.conn.expires).to.equal(T0 + 60_000);
  });

  it('persistence: one template per client keeps its connections on one real server', () => {
    const t = table(10800);
    const dests = new Set<number>();
    for (let p = 0; p < 5; p++) {
      const r = t.inbound(toVip(41000 + p, SYN), T0 + p);
      if (r.action === 'forward') dests.add(r.conn.daddr);
    }
    expect(dests.size).to.equal(1);
    const other = t.inbound(toVip(41000, SYN, '10.244.1.6'), T0);
    if (other.action !== 'forward') throw new Error(other.action);
    expect(dests.has(other.conn.daddr), 'rr moves on for the next client').to.equal(false);
    const templates = t.connections(T0).filter((c) => c.template);
    expect(templates).to.have.length(2);
    expect(templates[0]!.dest.persistConns).to.equal(1);
  });

  it('persistence: a quiescent (weight 0) real server ends its templates; the client moves', () => {
    const t = table(10800);
    const first = t.inbound(toVip(42000, SYN), T0);
    if (first.action !== 'forward') throw new Error(first.action);
    const svc = t.getService('TCP', '10.96.0.1', 443)!;
    t.editDest(svc, { address: first.conn.dest.address === ipv4('172.18.0.10') ? '172.18.0.10' : '172.18.0.11', port: 6443, weight: 0 });
    const next = t.inbound(toVip(42001, SYN), T0 + 1);
    if (next.action !== 'forward') throw new Error(next.action);
    expect(next.conn.daddr).to.not.equal(first.conn.daddr);
  });

  it('a removed real server: its connection is dropped (expire_nodest_conn), a new SYN is scheduled elsewhere', () => {
    const t = table();
    const r = t.inbound(toVip(43000, SYN), T0);
    if (r.action !== 'forward') throw new Error(r.action);
    const svc = t.getService('TCP', '10.96.0.1', 443)!;
    const gone = r.conn.daddr === ipv4('172.18.0.10') ? '172.18.0.10' : '172.18.0.11';
    t.deleteDest(svc, gone, 6443);
    expect(t.inbound(toVip(43000, ACK), T0 + 1)).to.deep.equal({ action: 'drop' });
    const again = t.inbound(toVip(43000, SYN), T0 + 2);
    expect(again.action).to.equal('forward');
    if (again.action === 'forward') expect(again.conn.daddr).to.not.equal(ipv4(gone));
  });

  it('a SYN on a TIME_WAIT connection starts a new one (conn_reuse_mode)', () => {
    const t = table();
    const r = t.inbound(toVip(44000, SYN), T0);
    if (r.action !== 'forward') throw new Error(r.action);
    r.conn.state = 'TIME_WAIT';
    const again = t.inbound(toVip(44000, SYN), T0 + 1);
    expect(again.action === 'forward' && again.fresh).to.equal(true);
  });

  it('ipvsadm -Ln and -Lnc, in ipvsadm\'s layout', () => {
    const t = table(10800);
    const udp = t.addService({ protocol: 'UDP', address: '10.96.0.10', port: 53, scheduler: 'wrr' });
    t.addDest(udp, { address: '10.244.2.2', port: 53, weight: 2 });
    const r = t.inbound(toVip(45000, SYN), T0);
    if (r.action !== 'forward') throw new Error(r.action);
    t.inbound(toVip(45000, ACK), T0);
    expect(ipvsadmList(t)).to.equal([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.96.0.1:443 rr persistent 10800',
      '  -> 172.18.0.10:6443             Masq    1      1          0',
      '  -> 172.18.0.11:6443             Masq    1      0          0',
      'UDP  10.96.0.10:53 wrr',
      '  -> 10.244.2.2:53                Masq    2      0          0',
      '',
    ].join('\n'));
    expect(ipvsadmConnections(t, T0 + 1000)).to.equal([
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      'TCP 179:59  NONE        10.244.1.5:0       10.96.0.1:443      172.18.0.10:6443',
      'TCP 14:59  ESTABLISHED 10.244.1.5:45000   10.96.0.1:443      172.18.0.10:6443',
      '',
    ].join('\n'));
  });
});
