/**
 * Go regexp (RE2) on JavaScript: every expectation below is what Go 1.26's regexp package
 * returns for `regexp.MustCompile(pattern).ReplaceAllString(input, template)` or the error
 * `regexp.Compile` reports (checked by running Go), so a JS-flavoured shortcut fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegexp, goReplaceAllString, goStringsReplaceAll, GoRegexpError } from '../../common/go-regexp.ts';

const replaceCases: { name: string; pattern: string; input: string; template: string; want: string }[] = [
  { name: 'an empty match right after a match is not replaced', pattern: 'a*', input: 'baaac', template: '-', want: '-b-c-' },
  { name: '$1x names group "1x", $$ is a dollar, missing groups are empty', pattern: '(a)(b)?', input: 'ab a', template: '[$1|$2|$$|$3|${1}x|$1x|$x]', want: '[a|b|$||ax||] [a||$||ax||]' },
  { name: 'named groups in both spellings', pattern: '(?P<first>\\w+) (?<second>\\w+)', input: 'hello world', template: '${second} ${first}', want: 'world hello' },
  { name: 'case-insensitive flag uses simple folding (ß is not SS)', pattern: '(?i)straße', input: 'STRASSE Straße', template: 'x', want: 'STRASSE x' },
  { name: 'an empty input is matched once', pattern: 'x*', input: '', template: '-', want: '-' },
  { name: '(?U) makes + lazy', pattern: '(?U)a+', input: 'aaa', template: 'b', want: 'bbb' },
  { name: '(?U) makes +? greedy', pattern: '(?U)a+?', input: 'aaa', template: 'b', want: 'b' },
  { name: '^ matches at the start only', pattern: '^', input: 'abc', template: '^', want: '^abc' },
  { name: '$ matches at the very end only', pattern: '$', input: 'abc', template: '$', want: 'abc$' },
  { name: '\\z is the end of text, after a final newline', pattern: '\\z', input: 'ab\n', template: 'Z', want: 'ab\nZ' },
  { name: '(?m)$ matches before each newline', pattern: '(?m)$', input: 'a\nb', template: '$', want: 'a$\nb$' },
  { name: '\\A anchors at the start', pattern: '\\Ab', input: 'bb', template: 'x', want: 'xb' },
  { name: 'negated POSIX class', pattern: '[[:^alpha:]]+', input: 'ab12cd!!', template: '_', want: 'ab_cd_' },
  { name: '\\pN matches any Unicode digit', pattern: '\\pN', input: 'a1٣', template: '#', want: 'a##' },
  { name: '\\p{Greek} is a script', pattern: '\\p{Greek}+', input: 'abγδe', template: 'G', want: 'abGe' },
  { name: '\\PL is the negation', pattern: '\\PL', input: 'a1b', template: '.', want: 'a.b' },
  { name: 'Perl class and escaped dash inside brackets', pattern: '[\\d\\-z]', input: '1-z-a', template: '_', want: '____a' },
  { name: 'hex and octal escapes', pattern: '\\x41\\x{42}\\101', input: 'ABA', template: 'ok', want: 'ok' },
  { name: 'escaped punctuation is literal', pattern: '\\.\\*\\$', input: 'a.*$b', template: '!', want: 'a!b' },
  { name: 'a negated class matches whole code points', pattern: '[^a]', input: 'aé😀b', template: '.', want: 'a...' },
  { name: 'dot matches an astral code point once', pattern: '.', input: '😀', template: '.', want: '.' },
  { name: 'bounded repetition', pattern: 'a{2,3}', input: 'aaaaaaa', template: 'x', want: 'xxa' },
  { name: 'a brace that is not a repeat is literal', pattern: 'a{,3}', input: 'a{,3}', template: 'x', want: 'x' },
  { name: 'scoped (?s:.) matches a newline', pattern: '(?s:.)', input: '\n', template: 'n', want: 'n' },
  { name: 'ASCII word boundary', pattern: '\\bfoo\\b', input: 'foo foobar', template: 'X', want: 'X foobar' },
  { name: '(?i)k matches the Kelvin sign', pattern: '(?i)k', input: '\u212a', template: 'k', want: 'k' },
  { name: 'a flag set in one alternative carries into the next', pattern: 'a|(?i)b|c', input: 'aBC', template: '_', want: '___' },
  { name: 'duplicate group names are allowed', pattern: '(?P<a>x)(?P<a>y)', input: 'xy', template: '$a', want: 'x' },
];

const rejectCases: { name: string; pattern: string; message: RegExp }[] = [
  { name: 'lookahead', pattern: 'a(?=b)', message: /invalid or unsupported Perl syntax/ },
  { name: 'negative lookahead', pattern: 'a(?!b)', message: /invalid or unsupported Perl syntax/ },
  { name: 'lookbehind', pattern: '(?<=a)b', message: /error parsing regexp/ },
  { name: 'negative lookbehind', pattern: '(?<!a)b', message: /error parsing regexp/ },
  { name: 'backreference', pattern: '(a)\\1', message: /invalid escape sequence: `\\1`/ },
  { name: '\\Z', pattern: '\\Z', message: /invalid escape sequence/ },
  { name: 'nested repetition', pattern: 'a**', message: /invalid nested repetition operator/ },
  { name: 'possessive repetition', pattern: 'a++', message: /invalid nested repetition operator/ },
  { name: 'repeated repeat', pattern: 'x{2}{3}', message: /invalid nested repetition operator/ },
  { name: 'repeat count over 1000', pattern: 'a{1001}', message: /invalid repeat count/ },
  { name: 'unknown escape', pattern: '\\y', message: /invalid escape sequence: `\\y`/ },
  { name: 'atomic group', pattern: '(?>a)', message: /invalid or unsupported Perl syntax/ },
  { name: 'repetition of nothing', pattern: '*a', message: /missing argument to repetition operator/ },
  { name: 'unclosed group', pattern: '(a', message: /missing closing \)/ },
  { name: 'unopened group', pattern: 'a)', message: /unexpected \)/ },
  { name: 'reversed range', pattern: '[z-a]', message: /invalid character class range/ },
  { name: '\\8', pattern: '\\8', message: /invalid escape sequence/ },
  { name: 'unknown POSIX class', pattern: '[[:foo:]]', message: /invalid character class range/ },
  { name: 'unknown Unicode class', pattern: '\\p{Nope}', message: /invalid character class range/ },
  { name: 'empty group name', pattern: '(?P<>a)', message: /invalid named capture/ },
  { name: '\\C', pattern: '\\C', message: /invalid escape sequence/ },
];

describe('Go ReplaceAllString on translated RE2', () => {
  for (const c of replaceCases) {
    it(c.name, () => {
      assert.equal(goReplaceAllString(compileGoRegexp(c.pattern), c.input, c.template), c.want);
    });
  }
});

describe('RE2 syntax that Go rejects', () => {
  for (const c of rejectCases) {
    it(`rejects ${c.name}: ${c.pattern}`, () => {
      assert.throws(() => compileGoRegexp(c.pattern), (err: unknown) => err instanceof GoRegexpError && c.message.test(err.message));
    });
  }
});

describe('Go strings.ReplaceAll', () => {
  const table = [
    { name: 'replaces every occurrence', s: 'a-b-c', old: '-', repl: '_', want: 'a_b_c' },
    { name: 'an empty old inserts around every code point', s: 'a😀', old: '', repl: '|', want: '|a|😀|' },
    { name: 'an empty old on an empty string inserts once', s: '', old: '', repl: 'x', want: 'x' },
    { name: 'a regex source is taken literally', s: 'x^n.*e$x', old: '^n.*e$', repl: 'R', want: 'xRx' },
  ];
  for (const t of table) it(t.name, () => assert.equal(goStringsReplaceAll(t.s, t.old, t.repl), t.want));
});
