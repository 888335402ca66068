import { expect } from 'chai';
import { RuleCache } from '../../../src/dataplane/netfilter/rule-cache.js';
import { parseRule, tokenize } from '../../../src/dataplane/netfilter/index.js';

const rule = (text: string) => parseRule(tokenize(text), 'nat');

describe('netfilter/RuleCache', () => {
  it('hands out copies with their own counters that share the parsed parts', () => {
    const cache = new RuleCache(10);
    const parsed = rule('-d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y');
    cache.put('-A KUBE-SERVICES x', { chain: 'KUBE-SERVICES', rule: parsed });
    parsed.counters.packets = 5;
    const a = cache.get('-A KUBE-SERVICES x')!;
    const b = cache.get('-A KUBE-SERVICES x', { packets: 3, bytes: 180 })!;
    expect(a.chain).to.equal('KUBE-SERVICES');
    expect(a.rule.counters).to.deep.equal({ packets: 0, bytes: 0 });
    expect(b.rule.counters).to.deep.equal({ packets: 3, bytes: 180 });
    a.rule.counters.packets++;
    expect(b.rule.counters.packets).to.equal(3);
    expect(a.rule.matches).to.equal(parsed.matches);
    expect(a.rule.target).to.deep.equal({ kind: 'jump', chain: 'KUBE-SVC-NPX46M4PTMTKRN6Y' });
  });

  it('keeps lines used within a generation and drops lines unused for a whole one', () => {
    const cache = new RuleCache(3);
    const r = rule('-j RETURN');
    for (const l of ['a', 'b', 'c']) cache.put(l, { chain: 'X', rule: r });
    cache.put('d', { chain: 'X', rule: r }); // turnover: a b c are the old generation
    expect(cache.get('a')).to.not.equal(undefined); // used: back in the young one
    cache.put('e', { chain: 'X', rule: r });
    cache.put('f', { chain: 'X', rule: r }); // turnover: b and c were not used and go
    expect(cache.get('b')).to.equal(undefined);
    expect(cache.get('c')).to.equal(undefined);
    expect(cache.get('a')).to.not.equal(undefined);
    expect(cache.get('d')).to.not.equal(undefined);
    expect(cache.size).to.be.at.most(6);
  });
});
