import { expect } from 'chai';
import { ERR_POD_IPAM_BAD_CIDR, ERR_POD_IPAM_EXHAUSTED, PodIpam } from '../../src/node/pod-ipam.js';
import { isKemuError } from '../../src/util/errors.js';

/** Runs `steps` ("+key" allocates, "-key" releases) and returns what each allocation got. */
function run(cidr: string, steps: string[]): string[] {
  const ipam = new PodIpam(cidr);
  const out: string[] = [];
  for (const s of steps) {
    if (s.startsWith('-')) ipam.release(s.slice(1));
    else {
      try {
        out.push(ipam.allocate(s.slice(1)));
      } catch (err) {
        out.push(isKemuError(err) ? err.code : String(err));
      }
    }
  }
  return out;
}

describe('PodIpam (host-local style)', () => {
  const table: { name: string; cidr: string; steps: string[]; want: string[] }[] = [
    { name: 'skips the network address and the gateway', cidr: '10.244.1.0/24', steps: ['+a', '+b'], want: ['10.244.1.2', '10.244.1.3'] },
    { name: 'normalizes a CIDR given with host bits', cidr: '10.244.1.77/24', steps: ['+a'], want: ['10.244.1.2'] },
    {
      name: 'is idempotent per key',
      cidr: '10.244.1.0/24',
      steps: ['+a', '+a', '+b', '+a'],
      want: ['10.244.1.2', '10.244.1.2', '10.244.1.3', '10.244.1.2'],
    },
    {
      name: 'never hands out the broadcast address and reports exhaustion',
      cidr: '10.244.1.0/29',
      steps: ['+a', '+b', '+c', '+d', '+e', '+f', '+g'],
      want: ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6', ERR_POD_IPAM_EXHAUSTED, ERR_POD_IPAM_EXHAUSTED],
    },
    {
      name: 'resumes after the last reserved address, reusing a released one last',
      cidr: '10.244.1.0/29',
      steps: ['+a', '+b', '-a', '+c', '+d', '+e', '+f'],
      want: ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6', '10.244.1.2'],
    },
    {
      name: 'wraps around past the end, skipping the gateway',
      cidr: '10.244.1.0/29',
      steps: ['+a', '+b', '+c', '+d', '+e', '-b', '+f', '-f', '+g'],
      want: ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6', '10.244.1.3', '10.244.1.3'],
    },
    { name: 'release frees the address for reuse once full', cidr: '10.244.1.0/30', steps: ['+a', '+b', '-a', '+b', '+c'], want: ['10.244.1.2', ERR_POD_IPAM_EXHAUSTED, '10.244.1.2', ERR_POD_IPAM_EXHAUSTED] },
    { name: 'a /31 has no usable address', cidr: '10.244.1.0/31', steps: ['+a'], want: [ERR_POD_IPAM_EXHAUSTED] },
  ];
  for (const c of table) {
    it(c.name, () => expect(run(c.cidr, c.steps)).to.deep.equal(c.want));
  }

  it('reports exhaustion with host-local\'s message and a stable code', () => {
    const ipam = new PodIpam('10.244.1.0/30');
    ipam.allocate('a');
    expect(() => ipam.allocate('b'))
      .to.throw('no IP addresses available in range set: 10.244.1.1-10.244.1.2')
      .with.property('code', ERR_POD_IPAM_EXHAUSTED);
  });

  it('never gives two keys the same address over many allocations and releases', () => {
    const ipam = new PodIpam('10.244.1.0/26');
    const live = new Map<string, string>();
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const problems: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = `k${Math.floor(rnd() * 80)}`;
      if (live.has(key) && rnd() < 0.5) {
        ipam.release(key);
        live.delete(key);
        continue;
      }
      try {
        const ip = ipam.allocate(key);
        if (live.has(key) ? ip !== live.get(key) : [...live.values()].includes(ip)) problems.push(`${key} got ${ip}`);
        if (['10.244.1.0', '10.244.1.1', '10.244.1.63'].includes(ip)) problems.push(`${key} got reserved ${ip}`);
        live.set(key, ip);
      } catch (err) {
        if (live.size !== ipam.capacity() || !isKemuError(err, ERR_POD_IPAM_EXHAUSTED)) problems.push(`bad exhaustion at ${live.size}`);
      }
    }
    expect(problems).to.deep.equal([]);
    expect(ipam.size()).to.equal(live.size);
  });

  it('reserves a given address only when it is free, in range and not the gateway', () => {
    const ipam = new PodIpam('10.244.1.0/24');
    expect(ipam.reserve('a', '10.244.1.50')).to.equal(true);
    expect(ipam.reserve('a', '10.244.1.50')).to.equal(true);
    expect(ipam.reserve('b', '10.244.1.50')).to.equal(false);
    expect(ipam.reserve('b', '10.244.1.1')).to.equal(false);
    expect(ipam.reserve('b', '10.244.1.255')).to.equal(false);
    expect(ipam.reserve('b', '10.244.2.5')).to.equal(false);
    expect(ipam.allocate('b')).to.equal('10.244.1.51');
    expect(ipam.get('a')).to.equal('10.244.1.50');
  });

  it('rejects a malformed CIDR with a stable code', () => {
    for (const bad of ['10.244.1.0', '10.244.1.0/33', 'x/24', '300.1.1.0/24']) {
      expect(() => new PodIpam(bad)).to.throw().with.property('code', ERR_POD_IPAM_BAD_CIDR);
    }
  });
});
