import { expect } from 'chai';
import {
  EVERYTHING,
  NOTHING,
  labelSelectorFromObject,
  parseLabelSelector,
  selectorFromSet,
  type LabelMatcher,
} from '../../../src/api/selectors/index.js';
import type { LabelSelector } from '../../../src/api/types.js';
import { KemuError } from '../../../src/util/errors.js';

function errorOf(fn: () => unknown): KemuError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KemuError);
    return err as KemuError;
  }
  throw new Error('expected an error');
}

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('label selectors: parsing', () => {
  const canonical: [string, string][] = [
    ['', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x<5', 'x<5'],
    [' x = a , y in ( c , b ) ', 'x=a,y in (b,c)'],
    ['z=c,a=b', 'a=b,z=c'],
    ['\tx\n=\ra', 'x=a'],
    ['x=', 'x='],
    ['x=,y', 'x=,y'],
    ['x in ()', 'x in ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['in=notin', 'in=notin'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['x=a,x!=b', 'x=a,x!=b'],
    ['!a,b', '!a,b'],
  ];
  for (const [input, out] of canonical) {
    it(`parses ${JSON.stringify(input)} to ${JSON.stringify(out)}`, () => {
      expect(parseLabelSelector(input).toString()).to.equal(out);
    });
  }

  it('exposes sorted requirements with Kubernetes operator names', () => {
    const reqs = parseLabelSelector('b>3,a in (y,x),!c').requirements;
    expect(reqs.map(({ key, operator, values }) => ({ key, operator, values }))).to.deep.equal([
      { key: 'a', operator: 'in', values: ['x', 'y'] },
      { key: 'b', operator: 'gt', values: ['3'] },
      { key: 'c', operator: '!', values: [] },
    ]);
  });

  it('an empty selector is empty and matches everything', () => {
    const s = parseLabelSelector('');
    expect(s.empty).to.equal(true);
    expect(s.matches(undefined)).to.equal(true);
    expect(s.matches({ a: 'b' })).to.equal(true);
  });

  const errors: [string, string][] = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['x (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['env IN (a)', "unable to parse requirement: found 'IN', expected: in, notin, =, ==, !=, gt, lt"],
    ['e!!!!!ss', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ['type=app,versionv1.0.1)', "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['x=a!', "found '!', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (=', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x==!', "unable to parse requirement: found '!', expected: identifier"],
    ['app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART}`],
    ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_PART}`],
    [
      'a/b/c=d',
      'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, ' +
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      'app.kubernetes_io/name=x',
      'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must ' +
        "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    ['/a=b', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    ['a/=b', `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ${NAME_PART}`],
    [`${'k'.repeat(64)}=v`, `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`],
    ['x=-bad', `unable to parse requirement: values[0][x]: Invalid value: "-bad": ${LABEL_VALUE}`],
    ['x in (ok,-bad)', `unable to parse requirement: values[0][x]: Invalid value: "-bad": ${LABEL_VALUE}`],
    [`x=${'v'.repeat(64)}`, `unable to parse requirement: values[0][x]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`],
    ['x>a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x<-1', `unable to parse requirement: values[0][x]: Invalid value: "-1": ${LABEL_VALUE}`],
    [
      'x>99999999999999999999',
      `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ];
  for (const [input, message] of errors) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const err = errorOf(() => parseLabelSelector(input));
      expect(err.code).to.equal('ERR_BAD_SELECTOR');
      expect(err.message).to.equal(message);
    });
  }

  it('aggregates several value errors the way utilerrors does', () => {
    const err = errorOf(() => parseLabelSelector(`x>${'1'.repeat(64)}`));
    expect(err.message).to.equal(
      `unable to parse requirement: [values[0]: Invalid value: "${'1'.repeat(64)}": for 'Gt', 'Lt' operators, the value must be an integer, ` +
        `values[0][x]: Invalid value: "${'1'.repeat(64)}": must be no more than 63 characters]`,
    );
  });
});

describe('label selectors: matching', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['app=web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app=web', {}, false],
    ['app=web', undefined, false],
    ['app==web', { app: 'web', x: 'y' }, true],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['app!=web', { app: 'db' }, true],
    ['env in (prod,stage)', { env: 'stage' }, true],
    ['env in (prod,stage)', { env: 'dev' }, false],
    ['env in (prod,stage)', {}, false],
    ['env in (prod)', { env: 'prod' }, true],
    ['env notin (prod,stage)', {}, true],
    ['env notin (prod,stage)', { env: 'prod' }, false],
    ['env notin (prod,stage)', { env: 'dev' }, true],
    ['app', { app: '' }, true],
    ['app', {}, false],
    ['!app', {}, true],
    ['!app', { app: 'x' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x in ()', { x: '' }, true],
    ['replicas>2', { replicas: '3' }, true],
    ['replicas>2', { replicas: '2' }, false],
    ['replicas>2', { replicas: 'three' }, false],
    ['replicas>2', {}, false],
    ['replicas<2', { replicas: '1' }, true],
    ['replicas<2', { replicas: '-5' }, true],
    ['replicas<2', { replicas: '99999999999999999999' }, false],
    // Keys inherited from Object.prototype are not labels.
    ['constructor', {}, false],
    ['!toString', {}, true],
    ['constructor=x', { constructor: 'x' }, true],
    ['app=web,tier in (fe,be),!canary', { app: 'web', tier: 'fe' }, true],
    ['app=web,tier in (fe,be),!canary', { app: 'web', tier: 'fe', canary: 'true' }, false],
  ];
  for (const [selector, labels, expected] of cases) {
    it(`${JSON.stringify(selector)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
      expect(parseLabelSelector(selector).matches(labels ? Object.freeze(labels) : labels)).to.equal(expected);
    });
  }

  it('requiredValue names the value an index can use', () => {
    const s = parseLabelSelector('app=web,tier in (fe),env in (a,b),x!=y');
    expect(s.requiredValue('app')).to.equal('web');
    expect(s.requiredValue('tier')).to.equal('fe');
    expect(s.requiredValue('env')).to.equal(undefined);
    expect(s.requiredValue('x')).to.equal(undefined);
  });
});

describe('label selectors: metav1.LabelSelector objects', () => {
  it('a nil selector selects nothing', () => {
    for (const sel of [undefined, null]) {
      const s = labelSelectorFromObject(sel);
      expect(s).to.equal(NOTHING);
      expect(s.empty).to.equal(false);
      expect(s.matches({})).to.equal(false);
      expect(s.toString()).to.equal('');
    }
  });

  it('an empty selector selects everything', () => {
    const s = labelSelectorFromObject({});
    expect(s.empty).to.equal(true);
    expect(s.matches(undefined)).to.equal(true);
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] })).to.equal(EVERYTHING);
  });

  const sel: LabelSelector = {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['fe', 'be'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'track', operator: 'NotIn', values: ['beta'] },
      { key: 'zone', operator: 'Exists' },
    ],
  };
  const cases: [Record<string, string>, boolean][] = [
    [{ app: 'web', tier: 'fe', zone: 'a' }, true],
    [{ app: 'web', tier: 'be', zone: 'a', track: 'stable' }, true],
    [{ app: 'web', tier: 'fe' }, false],
    [{ app: 'web', tier: 'fe', zone: 'a', canary: '1' }, false],
    [{ app: 'web', tier: 'fe', zone: 'a', track: 'beta' }, false],
    [{ app: 'db', tier: 'fe', zone: 'a' }, false],
  ];
  for (const [labels, expected] of cases) {
    it(`matchLabels + matchExpressions ${expected ? 'match' : 'reject'} ${JSON.stringify(labels)}`, () => {
      expect(labelSelectorFromObject(Object.freeze(sel)).matches(labels)).to.equal(expected);
    });
  }

  it('prints like Kubernetes, sorted by key', () => {
    expect(labelSelectorFromObject(sel).toString()).to.equal('app=web,!canary,tier in (be,fe),track notin (beta),zone');
  });

  const bad: [LabelSelector, string][] = [
    [{ matchExpressions: [{ key: 'a', operator: 'Bogus' as 'In', values: ['x'] }] }, '"Bogus" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In' }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'],
    [{ matchLabels: { '-a': 'b' } }, `key: Invalid value: "-a": ${NAME_PART}`],
    [{ matchLabels: { a: 'b c' } }, `values[0][a]: Invalid value: "b c": ${LABEL_VALUE}`],
  ];
  for (const [selector, message] of bad) {
    it(`rejects ${JSON.stringify(selector)}`, () => {
      const err = errorOf(() => labelSelectorFromObject(selector));
      expect(err.code).to.equal('ERR_BAD_SELECTOR');
      expect(err.message).to.equal(message);
    });
  }
});

describe('label selectors: from a set (Service spec.selector)', () => {
  it('selects on every pair', () => {
    const s: LabelMatcher = selectorFromSet(Object.freeze({ tier: 'fe', app: 'web' }));
    expect(s.toString()).to.equal('app=web,tier=fe');
    expect(s.matches({ app: 'web', tier: 'fe', pod: 'x' })).to.equal(true);
    expect(s.matches({ app: 'web' })).to.equal(false);
    expect(s.requiredValue('app')).to.equal('web');
  });

  it('an empty or missing set selects everything', () => {
    expect(selectorFromSet({}).empty).to.equal(true);
    expect(selectorFromSet(undefined).matches({ a: 'b' })).to.equal(true);
  });
});
