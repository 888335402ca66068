/**
 * The label selector string grammar of k8s.io/apimachinery/pkg/labels/selector.go, token for
 * token: the same lexer (longest special-symbol match, `in`/`notin` keywords that are plain
 * identifiers where a value is expected), the same parser and the same error texts, because
 * kubectl shows kube-apiserver's message verbatim and users search for it.
 */
import { KemuError } from '../../util/errors.js';
import { newRequirement, selectorFromRequirements, type LabelMatcher, type LabelOperator, type Requirement } from './labels.js';
import { invalidValue, isQualifiedName } from './validation.js';

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';
interface Item {
  tok: Tok;
  lit: string;
}

const STRING_TO_TOKEN: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'], [',', ','], ['!', '!'], ['==', '=='], ['=', '='], ['>', '>'],
  ['in', 'in'], ['<', '<'], ['!=', '!='], ['notin', 'notin'], ['(', '('],
]);
const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string) =>
  ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';

/** Lexes the whole input up front, as the Go parser does; '' stands for Go's end-of-input byte 0. */
function lex(s: string): Item[] {
  let pos = 0;
  const read = () => (pos < s.length ? s[pos++]! : '');
  const items: Item[] = [];

  const scanSpecial = (): Item => {
    let buffer = '';
    let last: Item | undefined;
    for (;;) {
      const ch = read();
      if (ch === '') break;
      if (!isSpecial(ch)) {
        pos--;
        break;
      }
      buffer += ch;
      const tok = STRING_TO_TOKEN.get(buffer);
      if (tok) last = { tok, lit: buffer };
      else if (last) {
        pos--;
        break;
      }
    }
    return last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` };
  };

  const scanIdentOrKeyword = (): Item => {
    let buffer = '';
    for (;;) {
      const ch = read();
      if (ch === '') break;
      if (isSpecial(ch) || isWhitespace(ch)) {
        pos--;
        break;
      }
      buffer += ch;
    }
    return { tok: STRING_TO_TOKEN.get(buffer) ?? 'id', lit: buffer };
  };

  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    items.push(isSpecial(ch) ? scanSpecial() : scanIdentOrKeyword());
  }
}

/** In the Values context `in` and `notin` are ordinary identifiers (a key or value may be "in"). */
type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  private at(i: number, context: Context): [Tok, string] {
    const item = this.items[Math.min(i, this.items.length - 1)]!;
    const tok = context === 'values' && (item.tok === 'in' || item.tok === 'notin') ? 'id' : item.tok;
    return [tok, item.lit];
  }
  lookahead(context: Context): [Tok, string] {
    return this.at(this.position, context);
  }
  consume(context: Context): [Tok, string] {
    return this.at(this.position++, context);
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const [tok, lit] = this.lookahead('values');
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      let r: Requirement;
      try {
        r = this.parseRequirement();
      } catch (err) {
        throw new Error(`unable to parse requirement: ${(err as Error).message}`);
      }
      reqs.push(r);
      const [t, l] = this.consume('values');
      if (t === 'eos') return reqs;
      if (t !== ',') throw new Error(`found '${l}', expected: ',' or 'end of string'`);
      const [t2, l2] = this.lookahead('values');
      if (t2 !== 'id' && t2 !== '!') throw new Error(`found '${l2}', expected: identifier after ','`);
    }
  }

  private parseRequirement(): Requirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred !== undefined) return check(newRequirement(key, inferred, []));
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    // Kubernetes keeps the values as a sorted set.
    return check(newRequirement(key, op, [...values].sort()));
  }

  /** A bare key means `exists`, a `!key` means does-not-exist; otherwise an operator follows. */
  private parseKeyAndInferOperator(): [string, LabelOperator | undefined] {
    let op: LabelOperator | undefined;
    let [tok, lit] = this.consume('values');
    if (tok === '!') {
      op = '!';
      [tok, lit] = this.consume('values');
    }
    if (tok !== 'id') throw new Error(`found '${lit}', expected: identifier`);
    const errs = isQualifiedName(lit);
    if (errs.length) throw new Error(invalidValue(null, lit, errs.join('; ')));
    const [next] = this.lookahead('values');
    if ((next === 'eos' || next === ',') && op === undefined) op = 'exists';
    return [lit, op];
  }

  private parseOperator(): LabelOperator {
    const [tok, lit] = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return tok;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new Error(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private parseValues(): Set<string> {
    const [tok, lit] = this.consume('values');
    if (tok !== '(') throw new Error(`found '${lit}' expected: '('`);
    const [next, nextLit] = this.lookahead('values');
    if (next === ')') {
      this.consume('values');
      return new Set(['']);
    }
    if (next !== 'id' && next !== ',') throw new Error(`found '${nextLit}', expected: ',', ')' or identifier`);
    const values = this.parseIdentifiersList();
    // Go reports the literal it looked at before the list, not the offending one.
    if (this.consume('values')[0] !== ')') throw new Error(`found '${nextLit}', expected: ')'`);
    return values;
  }

  /** Empty items are allowed and mean the empty value: "(,a)", "(a,)", "(a,,b)". */
  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const [tok, lit] = this.consume('values');
      if (tok === 'id') {
        s.add(lit);
        const [t2, l2] = this.lookahead('values');
        if (t2 === ',') continue;
        if (t2 === ')') return s;
        throw new Error(`found '${l2}', expected: ',' or ')'`);
      }
      if (tok !== ',') throw new Error(`found '${lit}', expected: ',', or identifier`);
      if (s.size === 0) s.add('');
      const [t2] = this.lookahead('values');
      if (t2 === ')') {
        s.add('');
        return s;
      }
      if (t2 === ',') {
        this.consume('values');
        s.add('');
      }
    }
  }

  /** `a=` (nothing before ',' or the end) selects the empty value. */
  private parseExactValue(): Set<string> {
    const [next] = this.lookahead('values');
    if (next === 'eos' || next === ',') return new Set(['']);
    const [tok, lit] = this.consume('values');
    if (tok === 'id') return new Set([lit]);
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

function check(r: Requirement | string): Requirement {
  if (typeof r === 'string') throw new Error(r);
  return r;
}

/** labels.Parse: "" selects everything. Errors are KemuError ERR_BAD_SELECTOR. */
export function parseLabelSelector(s: string): LabelMatcher {
  let reqs: Requirement[];
  try {
    reqs = new Parser(lex(s)).parse();
  } catch (err) {
    throw new KemuError('ERR_BAD_SELECTOR', (err as Error).message);
  }
  return selectorFromRequirements(reqs);
}
