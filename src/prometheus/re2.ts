/**
 * A syntax check for the regular expressions Prometheus compiles: Go's `regexp` (RE2 syntax, Perl
 * flavour), anchored as `^(?:<regex>)$`. JavaScript's RegExp is no substitute: it accepts what RE2
 * rejects (lookarounds, backreferences, `\u0041`, `\Z`, possessive quantifiers) and rejects what
 * RE2 accepts (`(?i)`, `\Q...\E`, `[[:alpha:]]`, `\x{263a}`, `\pL`). This parser follows the
 * grammar of Go's regexp/syntax closely enough to say which of the two it is, and why.
 *
 * @internal
 */

const MAX_REPEAT = 1000;
const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);
const UNICODE_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs', 'Any',
]);

class Re2SyntaxError extends Error {}

/**
 * Why Prometheus would reject `regex`, or `undefined` when it compiles.
 * @param angleNamedCaptures the Prometheus binary is built with Go 1.22 or newer, whose regexp
 * accepts `(?<name>re)` besides `(?P<name>re)` (Prometheus 3.x; 2.x releases are treated as older)
 * @internal
 */
export function re2Problem(regex: string, angleNamedCaptures = false): string | undefined {
  try {
    // Prometheus anchors every relabel regex this way before compiling it.
    new Re2Parser(`^(?:${regex})$`, angleNamedCaptures).parse();
    return undefined;
  } catch (e) {
    if (e instanceof Re2SyntaxError) return e.message;
    throw e;
  }
}

/** What the previous item was, for the repetition rules. */
enum Prev { NOTHING, ITEM, REPEAT }

class Re2Parser {
  private i = 0;

  constructor(private readonly s: string, private readonly angleNamedCaptures: boolean) {}

  public parse(): void {
    // Go also refuses nested counted repetitions whose counts multiply to more than 1000, e.g.
    // "(a{100}){100}". Per open group: the largest product of counts among its finished items
    // (`done`), and the product of its last item (`last`), which a repetition after it still
    // changes; a count of 0 makes it 0, as Go's repeatIsValid stops there
    const groups: Array<{ done: number; last: number }> = [{ done: 0, last: 0 }];
    const top = () => groups[groups.length - 1];
    let prev = Prev.NOTHING;
    const add = (product: number) => {
      const g = top();
      g.done = Math.max(g.done, g.last);
      g.last = product;
    };
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      switch (c) {
        case '(':
          // A flags-only group such as "(?i)" opens nothing: a repetition after it applies to
          // whatever came before, as in Go.
          if (this.group()) { groups.push({ done: 0, last: 0 }); prev = Prev.NOTHING; }
          break;
        case ')': {
          if (groups.length === 1) this.fail('unexpected ")" (unbalanced parentheses)');
          this.i++;
          const closed = groups.pop()!;
          add(Math.max(closed.done, closed.last));
          prev = Prev.ITEM;
          break;
        }
        case '|':
          this.i++;
          add(0);
          prev = Prev.NOTHING;
          break;
        case '*': case '+': case '?':
          this.repeat(prev, 1);
          prev = Prev.REPEAT;
          break;
        case '{': {
          const count = this.braceRepeat();
          if (count === undefined) { this.i++; add(1); prev = Prev.ITEM; break; } // a literal "{"
          const start = this.i;
          this.repeat(prev, count.length);
          // as Go's repeatIsValid: {0} ends the product, {0,} doesn't ({n,} counts n)
          const factor = count.max === 0 ? 0 : count.max < 0 ? Math.max(count.min, 1) : count.max;
          const product = factor * top().last;
          if ((count.min >= 2 || count.max >= 2) && product > MAX_REPEAT) {
            this.fail(`invalid repeat count "${this.s.slice(start, start + count.length)}": nested counted repetitions multiply to ${product}, more than ${MAX_REPEAT}`);
          }
          top().last = product;
          prev = Prev.REPEAT;
          break;
        }
        case '[':
          this.charClass();
          add(1);
          prev = Prev.ITEM;
          break;
        case '\\':
          this.escape();
          add(1);
          prev = Prev.ITEM;
          break;
        default:
          this.i++;
          add(1);
          prev = Prev.ITEM;
      }
    }
    if (groups.length > 1) this.fail('missing ")" (unbalanced parentheses)');
  }

  /** Parses the opening of a group; false for a flags-only `(?i)`, which opens nothing. */
  private group(): boolean {
    const rest = this.s.slice(this.i);
    if (!rest.startsWith('(?')) { this.i++; return true; }
    const unsupported: Array<[string, string]> = [
      ['(?=', 'lookahead "(?=" is not supported by RE2'],
      ['(?!', 'negative lookahead "(?!" is not supported by RE2'],
      ['(?<=', 'lookbehind "(?<=" is not supported by RE2'],
      ['(?<!', 'negative lookbehind "(?<!" is not supported by RE2'],
      ['(?>', 'atomic group "(?>" is not supported by RE2'],
      ['(?P=', 'named backreference "(?P=" is not supported by RE2'],
      ['(?#', 'comment group "(?#" is not supported by RE2'],
    ];
    for (const [prefix, why] of unsupported) if (rest.startsWith(prefix)) this.fail(why);
    if (rest.startsWith('(?P<') || rest.startsWith('(?<')) {
      const start = rest.indexOf('<') + 1;
      const end = rest.indexOf('>', start);
      const name = end < 0 ? '' : rest.slice(start, end);
      if (end < 0 || !/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture "${rest.slice(0, end < 0 ? rest.length : end + 1)}"`);
      if (rest.startsWith('(?<') && !this.angleNamedCaptures) {
        this.fail(`named capture "(?<${name}>" needs the "(?P<${name}>" form in Prometheus 2.x (releases built with Go before 1.22 refuse the short form; it is accepted here for Prometheus 3.x)`);
      }
      this.i += end + 1;
      return true;
    }
    // Flags: (?flags) or (?flags:re), flags from "imsU", optionally negated after "-".
    let j = 2;
    let negated = false;
    let flagAfterMinus = false;
    for (; j < rest.length; j++) {
      const f = rest[j];
      if ('imsU'.includes(f)) { if (negated) flagAfterMinus = true; continue; }
      if (f === '-' && !negated) { negated = true; continue; }
      if (f === ':' || f === ')') {
        if (negated && !flagAfterMinus) break;
        this.i += j + 1;
        return f === ':';
      }
      break;
    }
    return this.fail(`invalid or unsupported Perl syntax "${rest.slice(0, Math.min(j + 1, rest.length))}"`);
  }

  private repeat(prev: Prev, len: number): void {
    const op = this.s.slice(this.i, this.i + len);
    if (prev === Prev.NOTHING) this.fail(`missing argument to repetition operator "${op}"`);
    if (prev === Prev.REPEAT) {
      this.fail(`invalid nested repetition operator "${op}"${op === '+' ? ' (possessive quantifiers such as "*+" are not supported by RE2)' : ''}`);
    }
    this.i += len;
    if (this.s[this.i] === '?') this.i++; // non-greedy
  }

  /** The `{n}`, `{n,}` or `{n,m}` repetition at the cursor (max -1: unbounded), or undefined when "{" is a literal. */
  private braceRepeat(): { length: number; min: number; max: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : (m[3] === '' ? -1 : Number(m[3]));
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) this.fail(`invalid repeat count "${m[0]}" (counts go up to ${MAX_REPEAT}, minimum first)`);
    return { length: m[0].length, min, max };
  }

  private charClass(): void {
    const open = this.i;
    this.i++;
    if (this.s[this.i] === '^') this.i++;
    let first = true;
    while (this.i < this.s.length && (first || this.s[this.i] !== ']')) {
      first = false;
      if (this.s.startsWith('[:', this.i)) {
        const end = this.s.indexOf(':]', this.i + 2);
        if (end >= 0) {
          const name = this.s.slice(this.i + 2, end).replace(/^\^/, '');
          if (!POSIX_CLASSES.has(name)) this.fail(`invalid character class range "[:${name}:]"`);
          this.i = end + 2;
          continue;
        }
      }
      const lo = this.classChar(true);
      if (lo === undefined) continue; // a class such as \d or \pL
      if (this.s[this.i] === '-' && this.i + 1 < this.s.length && this.s[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classChar(false);
        if (hi === undefined || hi < lo) this.fail(`invalid character class range in "${this.s.slice(open, this.i)}"`);
      }
    }
    if (this.i >= this.s.length) this.fail('missing closing "]" of a character class');
    this.i++;
  }

  /** One character of a class (its code point), or undefined for a class escape such as \d. */
  private classChar(allowClass: boolean): number | undefined {
    const c = this.s[this.i];
    if (c !== '\\') {
      const cp = this.s.codePointAt(this.i)!;
      this.i += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const e = this.s[this.i + 1];
    if (allowClass && e !== undefined && 'dDsSwW'.includes(e)) { this.i += 2; return undefined; }
    if (allowClass && (e === 'p' || e === 'P')) { this.unicodeClass(); return undefined; }
    return this.charEscape(true);
  }

  /** An escape outside a class. */
  private escape(): void {
    const e = this.s[this.i + 1];
    if (e !== undefined && 'AzbBdDsSwW'.includes(e)) { this.i += 2; return; }
    if (e === 'p' || e === 'P') { this.unicodeClass(); return; }
    if (e === 'Q') {
      const end = this.s.indexOf('\\E', this.i + 2);
      this.i = end < 0 ? this.s.length : end + 2;
      return;
    }
    this.charEscape(false);
  }

  /** An escape that stands for one character; returns its code point. */
  private charEscape(inClass: boolean): number {
    const e = this.s[this.i + 1];
    if (e === undefined) this.fail('trailing backslash at end of expression');
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (e in simple) { this.i += 2; return simple[e]; }
    if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(this.s.slice(this.i + 1))![0];
      if (e !== '0' && m.length === 1) this.fail(`backreference "\\${e}" is not supported by RE2`);
      this.i += 1 + m.length;
      return parseInt(m, 8);
    }
    if (e === 'x') {
      const braced = /^\\x\{([0-9A-Fa-f]+)\}/.exec(this.s.slice(this.i));
      if (braced && parseInt(braced[1], 16) <= 0x10ffff) { this.i += braced[0].length; return parseInt(braced[1], 16); }
      const two = /^\\x([0-9A-Fa-f]{2})/.exec(this.s.slice(this.i));
      if (two) { this.i += 4; return parseInt(two[1], 16); }
      const shown = /^\\x(\{[^}]*\}?|.?.?)/.exec(this.s.slice(this.i))![0];
      this.fail(`invalid escape sequence "${shown}" (use \\xHH, or \\x{H...} up to 10FFFF)`);
    }
    const code = e.charCodeAt(0);
    if (code < 0x80 && !/[A-Za-z0-9]/.test(e)) { this.i += 2; return code; } // escaped punctuation
    const hints: Record<string, string> = {
      k: 'named backreferences are not supported by RE2',
      u: 'write \\x{HHHH} for a code point',
      Z: 'use \\z for the end of text',
      b: 'a word boundary cannot appear inside a character class',
      B: 'a word boundary cannot appear inside a character class',
      A: 'an assertion cannot appear inside a character class',
      z: 'an assertion cannot appear inside a character class',
      8: 'backreferences are not supported by RE2',
      9: 'backreferences are not supported by RE2',
    };
    const hint = hints[e] && (inClass || !'bBAz'.includes(e)) ? ` (${hints[e]})` : '';
    return this.fail(`invalid escape sequence "\\${e}"${hint}`);
  }

  /** `\pL`, `\p{Greek}`, `\p{^Greek}`, `\PL`. */
  private unicodeClass(): void {
    const rest = this.s.slice(this.i);
    const m = /^\\[pP](?:\{\^?([^}]*)\}|([A-Za-z]))/.exec(rest);
    if (!m) this.fail(`invalid character class range "${rest.slice(0, 3)}"`);
    const name = m![1] ?? m![2];
    if (!UNICODE_CATEGORIES.has(name) && !isUnicodeScript(name)) this.fail(`invalid character class range "${m![0]}" (unknown Unicode category or script)`);
    this.i += m![0].length;
  }

  private fail(message: string): never {
    throw new Re2SyntaxError(message);
  }
}

/** Whether `name` is a Unicode script name (Go's unicode.Scripts uses the long names, e.g. Greek). */
function isUnicodeScript(name: string): boolean {
  if (!/^[A-Z][A-Za-z_]*$/.test(name) || /^[A-Z][a-z]{3}$/.test(name) && !LONG_FOUR_LETTER_SCRIPTS.has(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Scripts whose long name has four letters (so are not mistaken for ISO 15924 aliases such as "Grek"). */
const LONG_FOUR_LETTER_SCRIPTS = new Set(['Ahom', 'Cham', 'Kawi', 'Lisu', 'Miao', 'Modi', 'Newa', 'Thai', 'Toto']);
