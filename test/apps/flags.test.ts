import { expect } from 'chai';
import { type FlagSpec, parseGoFlags, parsePflags } from '../../src/apps/flags.js';
import { formatGoDuration, goAtoi, goJson, goTimeString, goToLower, goTrimSpace, parseGoDuration } from '../../src/apps/go.js';

const SPEC: FlagSpec = {
  'http-port': { type: 'int', default: 8080 },
  name: { type: 'string', default: '', shorthand: 'n' },
  tcp: { type: 'bool', default: false, shorthand: 't' },
  udp: { type: 'bool', default: false, shorthand: 'u' },
  wait: { type: 'duration', default: 0 },
};

describe('apps: flag parsing', () => {
  const pflag: [string[], Record<string, unknown> | string, string[]?][] = [
    [[], { 'http-port': 8080, name: '', tcp: false }],
    [['--http-port=80'], { 'http-port': 80 }],
    [['--http-port', '80'], { 'http-port': 80 }],
    [['--http-port=0x1F'], { 'http-port': 31 }],
    [['--http-port=-1'], { 'http-port': -1 }],
    [['--tcp'], { tcp: true }],
    [['--tcp=false'], { tcp: false }],
    [['--tcp', 'false'], { tcp: true }, ['false']],
    [['-tu'], { tcp: true, udp: true }],
    [['-n', 'x'], { name: 'x' }],
    [['-nx'], { name: 'x' }],
    [['-n=x'], { name: 'x' }],
    [['a', '--tcp', 'b'], { tcp: true }, ['a', 'b']],
    [['--', '--tcp'], { tcp: false }, ['--tcp']],
    [['--wait=1m30s'], { wait: 90_000 }],
    [['--http-port=abc'], 'invalid argument "abc" for "--http-port" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--http-port'], 'flag needs an argument: --http-port'],
    [['--nope'], 'unknown flag: --nope'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['--tcp=maybe'], 'invalid argument "maybe" for "--tcp" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  ];
  for (const [argv, want, positional] of pflag) {
    it(`pflag ${JSON.stringify(argv)}`, () => {
      const r = parsePflags(argv, SPEC);
      if (typeof want === 'string') return expect(r).to.deep.equal({ ok: false, error: want });
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.values).to.include(want);
      expect(r.positional).to.deep.equal(positional ?? []);
    });
  }

  const goflag: [string[], Record<string, unknown> | string, string[]?][] = [
    [['-http-port', '81'], { 'http-port': 81 }],
    [['--http-port=82', '-tcp'], { 'http-port': 82, tcp: true }],
    [['-tcp', 'rest', '-udp'], { tcp: true, udp: false }, ['rest', '-udp']],
    [['-nope'], 'flag provided but not defined: -nope'],
    [['-http-port=x'], 'invalid value "x" for flag -http-port: parse error'],
  ];
  for (const [argv, want, positional] of goflag) {
    it(`go flag ${JSON.stringify(argv)}`, () => {
      const r = parseGoFlags(argv, SPEC);
      if (typeof want === 'string') return expect(r).to.deep.equal({ ok: false, error: want });
      expect(r.ok && r.values).to.include(want);
      expect(r.ok && r.positional).to.deep.equal(positional ?? []);
    });
  }
});

describe('apps: Go formatting', () => {
  it('time.Time.String() and durations', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 120);
    expect(goTimeString(t, t - 1500)).to.equal('2026-01-02 03:04:05.12 +0000 UTC m=+1.500000000');
    expect(goTimeString(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1))).to.equal('2026-01-01 00:00:00 +0000 UTC m=+0.000000000');
    expect(parseGoDuration('1h2m3.5s')).to.deep.equal({ ok: true, value: 3_723_500 });
    expect(parseGoDuration('250ms')).to.deep.equal({ ok: true, value: 250 });
    expect(parseGoDuration('5')).to.deep.equal({ ok: false, error: 'time: missing unit in duration "5"' });
    expect(parseGoDuration('x')).to.deep.equal({ ok: false, error: 'time: invalid duration "x"' });
    expect([0, 500, 1500, 90_000, 3_600_000].map(formatGoDuration)).to.deep.equal(['0s', '500ms', '1.5s', '1m30s', '1h0m0s']);
  });

  it('json.Marshal escapes HTML characters and sorts keys', () => {
    expect(goJson({ z: ['<a&b>'], a: [] })).to.equal('{"a":[],"z":["\\u003ca\\u0026b\\u003e"]}');
  });

  it('strings and numbers as Go does them', () => {
    expect(goTrimSpace('\u00a0 x \n')).to.equal('x');
    expect(goTrimSpace('\ufeffx')).to.equal('\ufeffx');
    expect(goToLower('İSTANBUL')).to.equal('istanbul');
    expect(goAtoi('12')).to.deep.equal({ ok: true, value: 12 });
    expect(goAtoi('1.5')).to.deep.equal({ ok: false, error: 'strconv.Atoi: parsing "1.5": invalid syntax' });
  });
});
