/** calico-ipam as tables: block claims, allocation order, more blocks, borrowing, exhaustion, release, reserve. */
import { expect } from 'chai';
import { CalicoIpam, type IpamChange, formatIpamShow } from '../../../src/cni/calico/index.js';
import { isKemuError } from '../../../src/util/errors.js';

function fill(ipam: CalicoIpam, node: string, n: number, prefix = node): string[] {
  return Array.from({ length: n }, (_, i) => ipam.allocate(node, `${prefix}-${i}`));
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isKemuError(err) ? err.code : 'not a KemuError';
  }
  return undefined;
}

describe('cni/calico: IPAM', () => {
  it('claims the lowest free /26 for a node on first need; each node gets its own block', () => {
    const ipam = new CalicoIpam({ pool: '192.168.0.0/16' });
    expect(ipam.blocksOf('w1')).to.deep.equal([]);
    expect(ipam.allocate('w1', 'a')).to.equal('192.168.0.0');
    expect(ipam.allocate('w2', 'b')).to.equal('192.168.0.64');
    expect(ipam.allocate('w3', 'c')).to.equal('192.168.0.128');
    expect(ipam.blocksOf('w1')).to.deep.equal(['192.168.0.0/26']);
    expect(ipam.blocksOf('w2')).to.deep.equal(['192.168.0.64/26']);
    expect(ipam.blockInfos().map((b) => [b.cidr, b.affinity, b.inUse])).to.deep.equal([
      ['192.168.0.0/26', 'w1', 1], ['192.168.0.64/26', 'w2', 1], ['192.168.0.128/26', 'w3', 1],
    ]);
  });

  it('allocates first free ordinals, .0 included (calico is fully routed), and reuses a released one', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/24', blockSize: 26 });
    expect(fill(ipam, 'w1', 4)).to.deep.equal(['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(ipam.release('w1-1')).to.equal('10.0.0.1');
    expect(ipam.release('w1-1')).to.equal(undefined);
    expect(ipam.allocate('w1', 'next')).to.equal('10.0.0.1');
    expect(ipam.allocate('w1', 'after')).to.equal('10.0.0.4');
  });

  it('returns the same address to a handle asked again (a CNI ADD retried)', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/24' });
    expect(ipam.allocate('w1', 'pod')).to.equal(ipam.allocate('w1', 'pod'));
    expect(ipam.usage().inUse).to.equal(1);
    expect(ipam.addressOf('pod')).to.equal('10.0.0.0');
  });

  it('claims a second block when the node\'s blocks are full', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/24', blockSize: 26 });
    fill(ipam, 'w1', 64);
    ipam.allocate('w2', 'x'); // takes 10.0.0.64/26
    expect(ipam.allocate('w1', 'sixty-five')).to.equal('10.0.0.128');
    expect(ipam.blocksOf('w1')).to.deep.equal(['10.0.0.0/26', '10.0.0.128/26']);
    expect(ipam.borrowedBy('w1')).to.deep.equal([]);
  });

  it('borrows from another node\'s block when the pool has no free block (strictAffinity false)', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/25', blockSize: 26 });
    fill(ipam, 'w1', 64);
    fill(ipam, 'w2', 3);
    const ip = ipam.allocate('w3', 'borrower');
    expect(ip).to.equal('10.0.0.67');
    expect(ipam.blocksOf('w3')).to.deep.equal([]);
    expect(ipam.borrowedBy('w3')).to.deep.equal([{ ip: '10.0.0.67', handle: 'borrower', node: 'w3' }]);
    expect(ipam.blockInfos().find((b) => b.cidr === '10.0.0.64/26')!.affinity).to.equal('w2');
  });

  it('refuses to borrow with strictAffinity, and respects maxBlocksPerHost', () => {
    const strict = new CalicoIpam({ pool: '10.0.0.0/25', blockSize: 26, strictAffinity: true });
    fill(strict, 'w1', 1);
    fill(strict, 'w2', 1);
    expect(code(() => strict.allocate('w3', 'x'))).to.equal('ERR_IPAM_EXHAUSTED');
    const capped = new CalicoIpam({ pool: '10.0.0.0/24', blockSize: 30, maxBlocksPerHost: 1 });
    fill(capped, 'w1', 4);
    fill(capped, 'w2', 1);
    // w1 may not claim a second block: it borrows the first free address of w2's block instead.
    expect(capped.allocate('w1', 'fifth')).to.equal('10.0.0.5');
    expect(capped.blocksOf('w1')).to.have.length(1);
  });

  it('fails with ERR_IPAM_EXHAUSTED once every address is in use', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/29', blockSize: 30 });
    expect(fill(ipam, 'w1', 5)).to.deep.equal(['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    fill(ipam, 'w2', 3, 'more');
    expect(ipam.usage()).to.deep.equal({ cidr: '10.0.0.0/29', size: 8, inUse: 8 });
    expect(code(() => ipam.allocate('w3', 'none'))).to.equal('ERR_IPAM_EXHAUSTED');
    ipam.release('w1-2');
    expect(ipam.allocate('w3', 'freed')).to.equal('10.0.0.2');
  });

  it('reserves an address a pod already has, claiming its block for the node', () => {
    const ipam = new CalicoIpam({ pool: '192.168.0.0/16' });
    ipam.reserve('w1', 'old-pod', '192.168.3.70');
    expect(ipam.blocksOf('w1')).to.deep.equal(['192.168.3.64/26']);
    ipam.reserve('w1', 'old-pod', '192.168.3.70'); // idempotent
    expect(code(() => ipam.reserve('w1', 'other', '192.168.3.70'))).to.equal('ERR_IPAM_IN_USE');
    expect(code(() => ipam.reserve('w1', 'old-pod', '192.168.3.71'))).to.equal('ERR_IPAM_IN_USE');
    expect(code(() => ipam.reserve('w1', 'x', '10.0.0.1'))).to.equal('ERR_IPAM_NOT_IN_POOL');
    expect(code(() => ipam.reserve('w1', 'x', 'not-an-ip'))).to.equal('ERR_IPAM_NOT_IN_POOL');
    // The node's next allocation comes from that block, skipping the reserved address.
    expect(ipam.allocate('w1', 'new')).to.equal('192.168.3.64');
    expect(fill(ipam, 'w1', 6).at(-1)).to.equal('192.168.3.71');
  });

  it('tells listeners about claims, allocations (borrowed or not) and releases', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/26', blockSize: 26 });
    const seen: IpamChange[] = [];
    const off = ipam.onChange((c) => seen.push(...c));
    ipam.allocate('w1', 'a');
    ipam.allocate('w2', 'b');
    ipam.release('b');
    off();
    ipam.allocate('w1', 'c');
    expect(seen).to.deep.equal([
      { type: 'block-claimed', cidr: '10.0.0.0/26', node: 'w1' },
      { type: 'allocated', ip: '10.0.0.0', node: 'w1', handle: 'a', borrowed: false },
      { type: 'allocated', ip: '10.0.0.1', node: 'w2', handle: 'b', borrowed: true },
      { type: 'released', ip: '10.0.0.1', node: 'w2', handle: 'b', borrowed: true },
    ]);
  });

  it('releases the affinity of empty blocks only', () => {
    const ipam = new CalicoIpam({ pool: '10.0.0.0/24', blockSize: 26 });
    fill(ipam, 'w1', 65);
    for (let i = 0; i < 64; i++) ipam.release(`w1-${i}`);
    expect(ipam.releaseEmptyBlocks('w1')).to.deep.equal(['10.0.0.0/26']);
    expect(ipam.blocksOf('w1')).to.deep.equal(['10.0.0.64/26']);
    expect(ipam.allocate('w2', 'y')).to.equal('10.0.0.0');
  });

  it('refuses a block size that does not fit the pool', () => {
    expect(code(() => new CalicoIpam({ pool: '10.0.0.0/27', blockSize: 26 }))).to.equal('ERR_IPAM_CONFIG');
    expect(code(() => new CalicoIpam({ pool: 'nonsense' }))).to.equal('ERR_IPAM_CONFIG');
  });

  it('prints `calicoctl ipam show --show-blocks`', () => {
    const ipam = new CalicoIpam({ pool: '192.168.0.0/16' });
    fill(ipam, 'w1', 3);
    ipam.allocate('w2', 'z');
    expect(formatIpamShow(ipam, { showBlocks: true })).to.equal([
      '+----------+-----------------+-----------+------------+--------------+',
      '| GROUPING |      CIDR       | IPS TOTAL | IPS IN USE |   IPS FREE   |',
      '+----------+-----------------+-----------+------------+--------------+',
      '| IP Pool  | 192.168.0.0/16  | 65536     | 4 (0%)     | 65532 (100%) |',
      '| Block    | 192.168.0.0/26  | 64        | 3 (5%)     | 61 (95%)     |',
      '| Block    | 192.168.0.64/26 | 64        | 1 (2%)     | 63 (98%)     |',
      '+----------+-----------------+-----------+------------+--------------+',
      '',
    ].join('\n'));
  });
});
