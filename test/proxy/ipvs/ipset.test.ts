/**
 * The netfilter model's ipsets and `-m set` match (added for the ipvs mode): entry syntax per type,
 * matching by the packet fields the flags name, the rule's iptables-save text, and the REDIRECT
 * target the userspace mode needs.
 */
import { expect } from 'chai';
import { IpSets, Netfilter, iptables, restore, save } from '../../../src/dataplane/netfilter/index.js';
import { TCP_SYN, ipv4 } from '../../../src/net/index.js';
import { checked, tcp, udp, view } from '../../dataplane/netfilter/helpers.js';

describe('netfilter ipsets and -m set (ipvs mode)', () => {
  it('normalises entries per type and refuses malformed ones (ERR_IPT_SYNTAX)', () => {
    const sets = new IpSets();
    const s = sets.ensure('KUBE-LOAD-BALANCER-SOURCE-CIDR', 'hash:ip,port,net');
    expect(s.add('192.0.2.10,tcp:80,203.0.113.77/25')).to.equal(true);
    expect([...s.entries]).to.deep.equal(['192.0.2.10,tcp:80,203.0.113.0/25']);
    expect(() => s.add('192.0.2.10,80,203.0.113.0/25')).to.throw().with.property('code', 'ERR_IPT_SYNTAX');
    expect(() => sets.ensure('KUBE-LOAD-BALANCER-SOURCE-CIDR', 'bitmap:port')).to.throw().with.property('code', 'ERR_IPT_SYNTAX');
    expect(sets.ensure('KUBE-NODE-PORT-TCP', 'bitmap:port').add('tcp:30080')).to.equal(true);
    expect(sets.save()).to.equal([
      'create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536',
      'add KUBE-LOAD-BALANCER-SOURCE-CIDR 192.0.2.10,tcp:80,203.0.113.0/25',
      'create KUBE-NODE-PORT-TCP bitmap:port range 0-65535',
      'add KUBE-NODE-PORT-TCP 30080', '',
    ].join('\n'));
  });

  it('-m set matches the fields its flags name, and saves as iptables-save prints it', () => {
    const nf = new Netfilter({ isLocal: () => false });
    nf.ipsets.ensure('KUBE-CLUSTER-IP', 'hash:ip,port').add('10.96.0.10,udp:53');
    nf.ipsets.ensure('KUBE-LOOP-BACK', 'hash:ip,port,ip').add('10.244.1.5,tcp:8080,10.244.1.5');
    restore(nf.ruleset, [
      '*mangle',
      '-A PREROUTING -m set --match-set KUBE-CLUSTER-IP dst,dst -j MARK --or-mark 0x1',
      '-A PREROUTING -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MARK --or-mark 0x2',
      '-A PREROUTING -m set ! --match-set KUBE-CLUSTER-IP dst,dst -j MARK --or-mark 0x4',
      '-A PREROUTING -m set --match-set NO-SUCH-SET dst -j MARK --or-mark 0x8',
      'COMMIT', '',
    ].join('\n'));
    const mark = (pkt: Uint8Array): number => {
      const v = view(pkt);
      nf.run('PREROUTING', v, 0);
      return v.mark;
    };
    expect(mark(udp('10.244.1.9', 5000, '10.96.0.10', 53))).to.equal(0x1);
    expect(mark(tcp('10.244.1.9', 5000, '10.96.0.10', 53, TCP_SYN)), 'tcp:53 is not udp:53').to.equal(0x4);
    expect(mark(tcp('10.244.1.5', 5000, '10.244.1.5', 8080, TCP_SYN))).to.equal(0x2 | 0x4);
    expect(mark(tcp('10.244.1.6', 5000, '10.244.1.5', 8080, TCP_SYN)), 'another source').to.equal(0x4);
    expect(save(nf.ruleset, { tables: ['mangle'] })).to.include('-A PREROUTING -m set ! --match-set KUBE-CLUSTER-IP dst,dst -j MARK --set-xmark 0x4/0x4');
    expect(() => iptables(nf.ruleset, '-t mangle -A PREROUTING -m set --match-set X dst,bogus -j ACCEPT')).to.throw().with.property('code', 'ERR_IPT_SYNTAX');
  });

  it('REDIRECT: to the incoming interface\'s primary address (PREROUTING), to 127.0.0.1 from the host (OUTPUT)', () => {
    const nf = new Netfilter({ addressOf: (i) => (i === 'cni0' ? ipv4('10.244.1.1') : undefined), isLocal: () => false });
    iptables(nf.ruleset, '-t nat -A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j REDIRECT --to-ports 40001');
    iptables(nf.ruleset, '-t nat -A OUTPUT -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j REDIRECT --to-ports 40002');
    const p = tcp('10.244.1.5', 5000, '10.96.0.1', 443, TCP_SYN);
    expect(nf.run('PREROUTING', view(p, { inIface: 'cni0' }), 0)).to.equal('accept');
    expect(checked(p)).to.deep.include({ dst: '10.244.1.1', dport: 40001 });
    const q = tcp('172.18.0.11', 5001, '10.96.0.1', 443, TCP_SYN);
    expect(nf.run('OUTPUT', view(q, { outIface: 'eth0' }), 0)).to.equal('accept');
    expect(checked(q)).to.deep.include({ dst: '127.0.0.1', dport: 40002 });
    expect(save(nf.ruleset, { tables: ['nat'] })).to.include('-j REDIRECT --to-ports 40001');
    const none = tcp('10.244.1.5', 5002, '10.96.0.1', 443, TCP_SYN);
    expect(nf.run('PREROUTING', view(none, { inIface: 'veth9' }), 0), 'no address to redirect to: dropped').to.equal('drop');
  });
});
