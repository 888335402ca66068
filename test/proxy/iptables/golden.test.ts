import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Ruleset, restore, save } from '../../../src/dataplane/netfilter/index.js';
import { buildRules } from '../../../src/proxy/iptables/rules.js';
import { CONFIG, goldenCluster, mapsFor } from '../fixtures.js';

const GOLDEN = readFileSync(new URL('./golden/node-worker-1.rules', import.meta.url), 'utf8');

function fullSync(existing?: Iterable<string>) {
  const { services, slices } = goldenCluster();
  const maps = mapsFor(services, slices);
  return buildRules(CONFIG, { ...maps, fullSync: true, changedServices: new Set(), existingNatChains: existing });
}

describe('proxy/iptables golden', () => {
  it('writes exactly the hand-written kube-proxy restore text', () => {
    const out = fullSync([]);
    const want = GOLDEN.split('\n');
    const got = out.text.split('\n');
    // Line by line first: a failure names the first line that differs.
    for (let i = 0; i < Math.max(want.length, got.length); i++) expect(got[i], `line ${i + 1}`).to.equal(want[i]);
    expect(out.text).to.equal(GOLDEN);
    expect(out.deletedChains).to.deep.equal([]);
    expect(out.skippedPorts).to.deep.equal([]);
    expect(out.noLocalEndpoints).to.deep.equal({ internal: 1, external: 0 });
  });

  it('loads into the netfilter engine; iptables-save prints the canonical forms', () => {
    const rs = new Ruleset();
    restore(rs, fullSync().text, { noflush: true, counters: true });
    const saved = save(rs);
    for (const line of [
      '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-SEP-QI7GU75CT7AZ23H6 -s 172.18.0.10/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-QI7GU75CT7AZ23H6 -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 172.18.0.10:6443',
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-AFGSLHOD2HFNCBX4',
      '-A KUBE-SERVICES -d 10.96.0.99/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    ]) expect(saved.split('\n'), line).to.include(line);
  });

  it('restoring the same text twice leaves the same rules (idempotent --noflush)', () => {
    const rs = new Ruleset();
    const text = fullSync().text;
    restore(rs, text, { noflush: true });
    const once = save(rs);
    restore(rs, text, { noflush: true });
    expect(save(rs)).to.equal(once);
  });

  it('deletes chains of services that are gone, and leaves foreign chains alone', () => {
    const out = fullSync(['KUBE-SERVICES', 'KUBE-SVC-GONEGONEGONEGONE', 'KUBE-SEP-GONEGONEGONEGONE', 'CALI-FORWARD', 'KUBE-SVC-NPX46M4PTMTKRN6Y']);
    expect(out.deletedChains).to.deep.equal(['KUBE-SEP-GONEGONEGONEGONE', 'KUBE-SVC-GONEGONEGONEGONE']);
    const lines = out.text.split('\n');
    const tail = lines.slice(lines.indexOf(':KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]') + 1, lines.indexOf(':KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]') + 3);
    expect(tail).to.deep.equal([':KUBE-SEP-GONEGONEGONEGONE - [0:0]', ':KUBE-SVC-GONEGONEGONEGONE - [0:0]']);
    expect(lines.slice(-5, -2)).to.deep.equal(['-X KUBE-SEP-GONEGONEGONEGONE', '-X KUBE-SVC-GONEGONEGONEGONE',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS']);
  });
});
