import { checkPrometheusConfig } from './promtool';
import { re2Problem } from '../../src/prometheus/re2';

// Regexes with the verdict of Go's regexp (as Prometheus compiles them: anchored). Each case is
// also run through promtool, so the table can't drift from the real parser.
const ACCEPTED = [
  '(.+)', '([^:]+)(?::\\d+)?;(\\d+)', '(a)\\10', '\\0', '\\012', '(?P<name>a)', '(?i)abc', '(?i:abc)', '(?-i)a', '(?)', '(?:)',
  'a*?', 'a{2}', 'a{2,}', 'a{2,3}', 'a{,3}', '{', 'a{', '\\Qa.b\\E', '[[:alpha:]]', '[[:^digit:]]', '[]a]', '[^]a]', '[a-z]',
  '[\\d-z]', '[a\\-z]', '[\\w-]', '\\x41', '\\x{263a}', '\\z', '\\A', '\\b', '\\pL', '\\p{Greek}', '\\p{^Greek}', '\\PN',
  'a)(b', ')(', '\\.', '\\ ', '\\-', '(?s).*', '(?U)a+', '(?m)^a$', 'a(?i)*', '^*', '$+', '.{0}', '\\d{1000}', 'Pending|Succeeded|Failed',
  // nested counted repetitions up to a product of 1000; a count of 0 ends the product; * and + don't count
  '(a{10}b{10}){100}', '(?:x{2}){500}', '(a{0}){1000}', '(a*){1000}', '((a{10})+){100}', '((a{100}){0}){100}', '(a{100}|b){10}', '\\p{Ahom}', '\\p{Newa}',
];
const REJECTED: Array<[string, RegExp]> = [
  ['(?=x)', /lookahead/], ['(?!x)a', /negative lookahead/], ['(?<=a)b', /lookbehind/], ['(?<!a)b', /negative lookbehind/],
  ['(?>a)', /atomic group/], ['(a)\\1', /backreference "\\1"/], ['(?P=name)', /named backreference/], ['\\k<x>', /named backreferences/],
  ['(?<name>a)', /\(\?P<name>/], ['(?i-)a', /unsupported Perl syntax/], ['(?x)a', /unsupported Perl syntax/], ['(?#c)', /comment group/],
  ['a**', /nested repetition/], ['a*??', /nested repetition/], ['a*+', /possessive/], ['a++', /possessive/], ['x{2}{3}', /nested repetition/],
  ['*a', /missing argument/], ['a|*b', /missing argument/], ['(*a)', /missing argument/], ['(?i)*', /missing argument/],
  ['a{3,2}', /repeat count/], ['a{1001}', /repeat count/], ['\\Qa.b', /missing "\)"/], ['(', /missing "\)"/], ['a\\', /missing "\)"/],
  ['[[:foo:]]', /\[:foo:\]/], ['[]', /missing closing "\]"/], ['[a-', /character class range/], ['[z-a]', /character class range/],
  ['[a-\\d]', /escape sequence "\\d"/], ['\\u0041', /\\x\{HHHH\}/], ['\\x{110000}', /10FFFF/], ['\\xZ', /escape sequence/], ['\\Z', /use \\z/],
  ['[\\b]', /inside a character class/], ['\\e', /escape sequence "\\e"/], ['\\C', /escape sequence "\\C"/], ['\\y', /escape sequence/],
  ['\\8', /backreferences/], ['\\p{Grek}', /unknown Unicode/], ['\\p{Foo}', /unknown Unicode/],
  ['(a{100}){100}', /multiply to 10000, more than 1000/], ['(?:x{2}){1000}', /multiply to 2000/], ['(a{10}|b){101}', /multiply to 1010/],
  ['((a{10})+){101}', /multiply to 1010/], ['((a{100}){0,}){100}', /multiply to 10000/],
];

function promtoolAccepts(regex: string): boolean {
  const config = `scrape_configs:\n- job_name: re2\n  static_configs: [{targets: []}]\n  relabel_configs:\n  - {action: keep, source_labels: [x], regex: ${JSON.stringify(regex)}}\n`;
  return checkPrometheusConfig(config).ok;
}

describe('the RE2 check of relabel regexes', () => {
  test.each(ACCEPTED)('accepts %s, as Prometheus does', (regex) => {
    expect(re2Problem(regex)).toBeUndefined();
    expect(promtoolAccepts(regex)).toBe(true);
  });

  test.each(REJECTED)('rejects %s, as Prometheus does, saying why', (regex, why) => {
    expect(re2Problem(regex)).toMatch(why);
    expect(promtoolAccepts(regex)).toBe(false);
  });

  test('accepts (?<name>re) for Prometheus 3.x, built with Go 1.22 or newer (golang/go#58458); names are still checked', () => {
    // this machine's promtool is a 2.x build, which refuses the form (the REJECTED table above)
    expect(re2Problem('(?<name>a)', true)).toBeUndefined();
    expect(re2Problem('(?<na-me>a)', true)).toMatch(/invalid named capture/);
    expect(re2Problem('(?<name>a)')).toMatch(/it is accepted here for Prometheus 3\.x/);
  });
});
