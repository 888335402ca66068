/** The Corefile subset: kubeadm's default reads; what is not supported fails with its line. */
import { expect } from 'chai';
import { defaultCorefile, parseCorefile } from '../../src/dns/corefile.js';
import { isKemuError } from '../../src/util/errors.js';

const KUBEADM = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . 192.0.2.53 {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

describe('dns Corefile', () => {
  it("reads kubeadm's Corefile (no-op plugins accepted)", () => {
    expect(parseCorefile(KUBEADM)).to.deep.equal({
      errors: true,
      log: false,
      health: true,
      ready: true,
      loadbalance: true,
      kubernetes: { zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], podMode: 'insecure', fallthrough: ['in-addr.arpa', 'ip6.arpa'], ttl: 30 },
      forward: { from: '.', to: ['192.0.2.53'], except: [], forceTcp: false },
      cache: { zones: ['.'], success: { maxTTL: 30 }, denial: { maxTTL: 30 } },
    });
  });

  it('builds the default from the topology: upstreams, TTL and cache time', () => {
    const text = defaultCorefile('kemu.test', { upstreams: ['192.0.2.1:53', '192.0.2.2:5353'], cacheSeconds: 10, ttl: 7 });
    const cfg = parseCorefile(text);
    expect(cfg.kubernetes).to.deep.equal({ zones: ['kemu.test', 'in-addr.arpa', 'ip6.arpa'], podMode: 'insecure', fallthrough: ['in-addr.arpa', 'ip6.arpa'], ttl: 7 });
    expect(cfg.forward?.to).to.deep.equal(['192.0.2.1:53', '192.0.2.2:5353']);
    expect(cfg.cache?.success.maxTTL).to.equal(10);
    // kubeadm 1.32+: the cluster domain is never cached (kubernetes/kubernetes#128359).
    expect(cfg.cache?.success.disabled).to.deep.equal(['kemu.test']);
    expect(cfg.cache?.denial.disabled).to.deep.equal(['kemu.test']);
    const bare = parseCorefile(defaultCorefile('cluster.local', { upstreams: [], cacheSeconds: 0, ttl: 30 }));
    expect(bare.forward, 'no upstreams: no forward').to.equal(undefined);
    expect(bare.cache, 'cacheSeconds 0: no cache').to.equal(undefined);
  });

  it('reads the cache block, forward options, log and comments', () => {
    const cfg = parseCorefile(`. { # the root
  log
  cache 60 cluster.local {
    success 100 20 2
    denial 50
    disable denial svc.cluster.local
  }
  forward example.org 10.0.0.1:5353 10.0.0.2 {
    except private.example.org
    policy round_robin
    force_tcp
  }
}`);
    expect(cfg.log).to.equal(true);
    expect(cfg.cache).to.deep.equal({
      zones: ['cluster.local'],
      success: { maxTTL: 20, capacity: 100, minTTL: 2 },
      denial: { maxTTL: 60, capacity: 50, disabled: ['svc.cluster.local'] },
    });
    expect(cfg.forward).to.deep.equal({ from: 'example.org', to: ['10.0.0.1:5353', '10.0.0.2'], except: ['private.example.org'], policy: 'round_robin', forceTcp: true });
  });

  const bad: [string, string, RegExp][] = [
    ['unknown plugin', '. {\n  rewrite name a b\n}', /^Corefile:2: unsupported plugin "rewrite"/],
    ['a non-root server block', 'cluster.local:53 {\n}', /^Corefile:1: .*only the root zone/],
    ['two server blocks', '. {\n}\n. {\n}', /^Corefile:3: exactly one server block/],
    ['missing brace', '. {\n  kubernetes cluster.local {\n    ttl 5\n', /^Corefile:2: "kubernetes": missing "}"/],
    ['stray brace', '. {\n}\n}', /^Corefile:3: unexpected "}"/],
    ['TTL out of range', '. {\n kubernetes cluster.local {\n  ttl 4000\n }\n}', /^Corefile:3: ttl: "4000" must be an integer in 0\.\.3600/],
    ['unknown kubernetes option', '. {\n kubernetes {\n  namespaces a\n }\n}', /^Corefile:3: kubernetes: unsupported option "namespaces a"/],
    ['resolv.conf upstream', '. {\n forward . /etc/resolv.conf\n}', /^Corefile:2: forward: upstream "\/etc\/resolv.conf" must be an IP/],
    ['duplicate plugin', '. {\n cache\n cache 5\n}', /^Corefile:3: cache: may appear only once/],
  ];
  for (const [name, text, re] of bad) {
    it(`refuses ${name} with the line`, () => {
      try {
        parseCorefile(text);
        expect.fail('parsed');
      } catch (err) {
        expect(isKemuError(err, 'DNS_COREFILE'), String(err)).to.equal(true);
        expect((err as Error).message).to.match(re);
      }
    });
  }
});
