import { expect } from 'chai';
import { CidrSet, formatIp, parseCidr } from '../../../src/controllers/nodeipam/cidrset.js';
import { isKemuError } from '../../../src/util/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isKemuError(err) ? err.code : 'not a KemuError';
  }
  return undefined;
}

describe('nodeipam CidrSet', () => {
  it('hands out node subnets in order, inside the cluster range', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(s.size).to.equal(256);
    expect([s.allocateNext(), s.allocateNext(), s.allocateNext()]).to.deep.equal(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(s.allocatedCount()).to.equal(3);
  });

  it('normalises a cluster CIDR with host bits set, as net.ParseCIDR does', () => {
    const s = new CidrSet('10.244.7.9/16', 24);
    expect(s.clusterCIDR).to.equal('10.244.0.0/16');
    expect(s.allocateNext()).to.equal('10.244.0.0/24');
  });

  it('resumes after the last allocation and wraps around instead of reusing a freed subnet at once', () => {
    const s = new CidrSet('10.0.0.0/22', 24); // 4 subnets
    const got = [s.allocateNext(), s.allocateNext(), s.allocateNext()];
    s.release(got[0]!);
    expect(s.allocateNext()).to.equal('10.0.3.0/24'); // not the freed 10.0.0.0
    expect(s.allocateNext()).to.equal('10.0.0.0/24'); // wrapped around to the freed one
    expect(codeOf(() => s.allocateNext())).to.equal('ERR_CIDR_RANGE_FULL');
  });

  it('reports exhaustion with a stable code and recovers after a release', () => {
    const s = new CidrSet('192.168.0.0/23', 24);
    s.allocateNext();
    s.allocateNext();
    expect(codeOf(() => s.allocateNext())).to.equal('ERR_CIDR_RANGE_FULL');
    s.release('192.168.1.0/24');
    expect(s.allocateNext()).to.equal('192.168.1.0/24');
  });

  const occupyCases: { name: string; occupy: string; taken: number; first: string }[] = [
    { name: 'exact node subnet', occupy: '10.0.1.0/24', taken: 1, first: '10.0.0.0/24' },
    { name: 'larger than a node subnet (a /23 marks two)', occupy: '10.0.0.0/23', taken: 2, first: '10.0.2.0/24' },
    { name: 'smaller than a node subnet (marks the one it lies in)', occupy: '10.0.0.128/25', taken: 1, first: '10.0.1.0/24' },
    { name: 'larger than the whole cluster range', occupy: '10.0.0.0/8', taken: 4, first: 'FULL' },
    { name: 'service range overlapping the start', occupy: '10.0.0.0/23', taken: 2, first: '10.0.2.0/24' },
  ];
  for (const c of occupyCases) {
    it(`occupy: ${c.name}`, () => {
      const s = new CidrSet('10.0.0.0/22', 24);
      s.occupy(c.occupy);
      expect(s.allocatedCount()).to.equal(c.taken);
      if (c.first === 'FULL') expect(codeOf(() => s.allocateNext())).to.equal('ERR_CIDR_RANGE_FULL');
      else expect(s.allocateNext()).to.equal(c.first);
    });
  }

  it('occupy and release are idempotent on the count', () => {
    const s = new CidrSet('10.0.0.0/22', 24);
    s.occupy('10.0.2.0/24');
    s.occupy('10.0.2.0/24');
    expect(s.allocatedCount()).to.equal(1);
    s.release('10.0.2.0/24');
    s.release('10.0.2.0/24');
    expect(s.allocatedCount()).to.equal(0);
    expect(s.isOccupied('10.0.2.0/24')).to.equal(false);
  });

  it('rejects CIDRs outside the range and bad masks with codes', () => {
    const s = new CidrSet('10.0.0.0/22', 24);
    expect(codeOf(() => s.occupy('10.1.0.0/24'))).to.equal('ERR_CIDR_OUT_OF_RANGE');
    expect(codeOf(() => s.occupy('fd00::/64'))).to.equal('ERR_CIDR_OUT_OF_RANGE');
    expect(codeOf(() => s.occupy('10.0.0.0/33'))).to.equal('ERR_CIDR_INVALID');
    expect(codeOf(() => new CidrSet('10.0.0.0/16', 8))).to.equal('ERR_CIDR_MASK_INVALID');
    expect(codeOf(() => new CidrSet('10.0.0.0/8', 28))).to.equal('ERR_CIDR_MASK_INVALID'); // > 16 bits of subnets
    expect(codeOf(() => new CidrSet('10.0.0/8', 24))).to.equal('ERR_CIDR_INVALID');
    expect(s.overlaps('10.96.0.0/12')).to.equal(false);
    expect(s.overlaps('10.0.0.0/8')).to.equal(true);
  });

  it('works for IPv6 with the same code path', () => {
    const s = new CidrSet('fd00:10:244::/56', 64);
    expect(s.size).to.equal(256);
    expect(s.allocateNext()).to.equal('fd00:10:244::/64');
    expect(s.allocateNext()).to.equal('fd00:10:244:1::/64');
    s.occupy('fd00:10:244:2::/63');
    expect(s.allocateNext()).to.equal('fd00:10:244:4::/64');
    expect(formatIp(parseCidr('2001:db8:0:0:1:0:0:1/128').addr, 6)).to.equal('2001:db8::1:0:0:1');
    expect(formatIp(parseCidr('::ffff:10.0.0.1/128').addr, 6)).to.equal('::ffff:a00:1');
  });
});
