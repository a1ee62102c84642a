/**
 * Go `regexp` (RE2 syntax) on top of JavaScript RegExp, for `dataProcess.replaceRule`, whose
 * `source` ack-secret-manager compiles with Go's `regexp.Compile` and applies with
 * `ReplaceAllString`. The two dialects differ in ways that change results, so the pattern is
 * translated token by token instead of being handed to `new RegExp`:
 *
 * - accepted and translated: `(?i)`, `(?s)`, `(?m)`, `(?U)` and their `-` forms, scoped
 *   `(?i:...)`; named groups `(?P<name>...)` and `(?<name>...)` (names such as `1x` that JS
 *   rejects); `\A`, `\z`; Perl classes with RE2's ASCII meaning (`\s` is `[\t\n\f\r ]`, not
 *   Unicode space); POSIX classes `[[:alpha:]]`, `[[:^digit:]]`; `\pL`, `\p{Greek}`, `\PN`;
 *   `\Q...\E`; octal `\012`; `\x{10FFFF}`; `.` not matching `\n` unless `(?s)`;
 * - rejected as RE2 rejects them: look-around `(?=`, `(?!`, `(?<=`, `(?<!`, atomic groups,
 *   backreferences `\1`, `\Z`, `\C`, possessive or nested repetition `a**`, `a++`, repeat counts over 1000,
 *   unknown escapes such as `\y`;
 * - `ReplaceAllString` semantics: `$name`/`${name}` where the name is the LONGEST run of letters,
 *   digits and `_` (so `$1x` means the group named `1x`, usually empty), `$$` for `$`, and Go's
 *   rule that an empty match right after a previous match is not replaced.
 *
 * The emitted JS pattern uses the `v` flag and scoped modifiers (`(?i:...)`, V8 ≥ 12.4).
 */

/** A Go regexp compile error, worded like Go's (`error parsing regexp: ...`). */
export class GoRegexpError extends Error {
  constructor(code: string, fragment: string) {
    super(`error parsing regexp: ${code}: \`${fragment}\``);
    this.name = 'GoRegexpError';
  }
}

interface Flags { i: boolean; m: boolean; s: boolean; U: boolean }

/** A compiled Go regexp: the JS RegExp plus Go's group-name table for `$name` expansion. */
export interface GoRegexp {
  readonly source: string;
  readonly js: RegExp;
  /** Group names by group number (index 0 is the whole match; unnamed groups are ''). */
  readonly names: readonly string[];
}

const esc = (cp: number): string => `\\u{${cp.toString(16)}}`;
const literal = (cp: number): string => (/[A-Za-z0-9_]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : esc(cp));

/** RE2's ASCII Perl classes (regexp/syntax perl_groups.go). */
const PERL_CLASS: Record<string, string> = {
  d: '[0-9]', D: '[^0-9]', s: '[\\t\\n\\f\\r ]', S: '[^\\t\\n\\f\\r ]', w: '[0-9A-Za-z_]', W: '[^0-9A-Za-z_]',
};
/** POSIX classes (RE2 syntax doc: "ASCII character classes"). */
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\u{0}-\\u{7f}', blank: '\\t ', cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9', graph: '\\u{21}-\\u{7e}', lower: 'a-z', print: '\\u{20}-\\u{7e}',
  punct: '\\u{21}-\\u{2f}\\u{3a}-\\u{40}\\u{5b}-\\u{60}\\u{7b}-\\u{7e}', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const GENERAL_CATEGORIES = new Set(['C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs']);

function unicodeClass(name: string, negated: boolean): string {
  let neg = negated;
  let n = name;
  if (n.startsWith('^')) { neg = !neg; n = n.slice(1); }
  let body: string;
  if (n === 'Any') body = '\\u{0}-\\u{10ffff}';
  else if (GENERAL_CATEGORIES.has(n)) body = `\\p{${n}}`;
  else body = `\\p{Script=${n}}`;
  return neg ? `[^${body}]` : `[${body}]`;
}

/**
 * Translates RE2 syntax to a JS `v`-mode pattern. Throws GoRegexpError for what Go rejects.
 * Steps: 1. scan tokens left to right keeping a stack of flag scopes; 2. translate each atom,
 * class and assertion; 3. check repetition operators apply to something and counts are ≤ 1000;
 * 4. return the pattern and the group-name table.
 */
export function translateGoRegexp(source: string): { pattern: string; names: string[] } {
  const cps = [...source];
  const names: string[] = [''];
  let i = 0;
  let out = '';
  // Each open group remembers the flags to restore, the JS case-insensitivity in force at its
  // start, and how many modifier groups `(?i)`-style flag changes opened inside it.
  interface Scope { saved: Flags; baseI: boolean; open: number }
  const stack: Scope[] = [];
  let flags: Flags = { i: false, m: false, s: false, U: false };
  const top: Scope = { saved: { ...flags }, baseI: false, open: 0 };
  const scope = (): Scope => stack[stack.length - 1] ?? top;
  let canRepeat = false; // 3. is there an atom for a quantifier to apply to?
  let lastWasRepeat = false;

  const peek = (k = 0): string | undefined => cps[i + k];
  const fail = (code: string, from: number, to = i): never => { throw new GoRegexpError(code, cps.slice(from, to).join('')); };

  const parseEscape = (inClass: boolean): { kind: 'char'; cp: number } | { kind: 'class'; text: string } | { kind: 'assert'; text: string } => {
    const start = i;
    i++; // the backslash
    const c = peek();
    if (c === undefined) fail('trailing backslash at end of expression', start);
    i++;
    const ch = c!;
    if (/[1-7]/.test(ch) && (peek() === undefined || !/[0-7]/.test(peek()!))) fail('invalid escape sequence', start);
    if (/[0-7]/.test(ch)) {
      let v = Number(ch);
      for (let k = 0; k < 2 && peek() !== undefined && /[0-7]/.test(peek()!); k++) { v = v * 8 + Number(peek()); i++; }
      return { kind: 'char', cp: v };
    }
    switch (ch) {
      case 'a': return { kind: 'char', cp: 7 };
      case 'f': return { kind: 'char', cp: 12 };
      case 't': return { kind: 'char', cp: 9 };
      case 'n': return { kind: 'char', cp: 10 };
      case 'r': return { kind: 'char', cp: 13 };
      case 'v': return { kind: 'char', cp: 11 };
      case 'x': {
        if (peek() === '{') {
          const close = cps.indexOf('}', i);
          const hex = close < 0 ? '' : cps.slice(i + 1, close).join('');
          if (close < 0 || !/^[0-9A-Fa-f]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff) fail('invalid escape sequence', start, close < 0 ? cps.length : close + 1);
          i = close + 1;
          return { kind: 'char', cp: parseInt(hex, 16) };
        }
        const hex = cps.slice(i, i + 2).join('');
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail('invalid escape sequence', start, Math.min(cps.length, i + 2));
        i += 2;
        return { kind: 'char', cp: parseInt(hex, 16) };
      }
      case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
        return { kind: 'class', text: PERL_CLASS[ch]! };
      case 'p': case 'P': {
        let name: string;
        if (peek() === '{') {
          const close = cps.indexOf('}', i);
          if (close < 0) fail('invalid character class range', start, cps.length);
          name = cps.slice(i + 1, close).join('');
          i = close + 1;
        } else {
          if (peek() === undefined) fail('invalid character class range', start);
          name = peek()!;
          i++;
        }
        const bare = name.startsWith('^') ? name.slice(1) : name;
        if (!/^[A-Za-z_]+$/.test(bare)) fail('invalid character class range', start);
        const text = unicodeClass(name, ch === 'P');
        try { new RegExp(text, 'v'); } catch { fail('invalid character class range', start); }
        return { kind: 'class', text };
      }
      case 'A': if (inClass) fail('invalid escape sequence', start); return { kind: 'assert', text: '(?<![\\s\\S])' };
      case 'z': if (inClass) fail('invalid escape sequence', start); return { kind: 'assert', text: '(?![\\s\\S])' };
      case 'b': if (inClass) fail('invalid escape sequence', start); return { kind: 'assert', text: '(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))' };
      case 'B': if (inClass) fail('invalid escape sequence', start); return { kind: 'assert', text: '(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))' };
      default: break;
    }
    const cp = ch.codePointAt(0)!;
    // RE2: any ASCII punctuation may be escaped; letters and digits only as listed above.
    if (cp < 0x80 && !/[A-Za-z0-9]/.test(ch)) return { kind: 'char', cp };
    return fail('invalid escape sequence', start);
  };

  const parseClass = (): string => {
    const start = i;
    i++; // [
    let negated = false;
    if (peek() === '^') { negated = true; i++; }
    const parts: string[] = [];
    let first = true;
    while (true) {
      const c = peek();
      if (c === undefined) fail('missing closing ]', start, cps.length);
      if (c === ']' && !first) { i++; break; }
      first = false;
      if (c === '[' && peek(1) === ':') {
        const close = cps.indexOf(']', i + 2);
        const inner = close > 0 ? cps.slice(i + 2, close).join('') : '';
        const m = /^(\^?)([a-z]+):$/.exec(inner);
        if (m !== null) {
          const body = POSIX[m[2]!];
          if (body === undefined) fail('invalid character class range', i, close + 1);
          parts.push(m[1] === '^' ? `[^${body}]` : `[${body}]`);
          i = close + 1;
          continue;
        }
      }
      let lo: number;
      if (c === '\\') {
        const e = parseEscape(true);
        if (e.kind === 'class') { parts.push(e.text); continue; }
        if (e.kind === 'assert') fail('invalid escape sequence', start);
        lo = (e as { cp: number }).cp;
      } else {
        lo = c!.codePointAt(0)!;
        i++;
      }
      // A range lo-hi (a '-' before ']' is a literal).
      if (peek() === '-' && peek(1) !== undefined && peek(1) !== ']') {
        const rangeStart = i - 1;
        i++;
        let hi: number;
        if (peek() === '\\') {
          const e = parseEscape(true);
          if (e.kind !== 'char') fail('invalid character class range', rangeStart, i);
          hi = (e as { cp: number }).cp;
        } else {
          hi = peek()!.codePointAt(0)!;
          i++;
        }
        if (hi < lo) fail('invalid character class range', rangeStart, i);
        parts.push(`${esc(lo)}-${esc(hi)}`);
      } else {
        parts.push(esc(lo));
      }
    }
    if (parts.length === 0) return negated ? '[\\u{0}-\\u{10ffff}]' : '[]';
    return `[${negated ? '^' : ''}${parts.join('')}]`;
  };

  while (i < cps.length) {
    const c = cps[i]!;
    const tokenStart = i;
    if (c === '\\' && peek(1) === 'Q') {
      i += 2;
      let text = '';
      while (i < cps.length && !(cps[i] === '\\' && cps[i + 1] === 'E')) { text += literal(cps[i]!.codePointAt(0)!); i++; }
      if (i < cps.length) i += 2;
      if (text !== '') { out += `(?:${text})`; canRepeat = true; lastWasRepeat = false; }
      continue;
    }
    if (c === '\\') {
      const e = parseEscape(false);
      if (e.kind === 'char') out += literal(e.cp);
      else out += e.text;
      canRepeat = e.kind !== 'assert';
      lastWasRepeat = false;
      continue;
    }
    if (c === '[') { out += parseClass(); canRepeat = true; lastWasRepeat = false; continue; }
    if (c === '(') {
      if (peek(1) === '?') {
        const rest = cps.slice(i + 2).join('');
        const named = /^(?:P<|<)([^>]*)>/.exec(rest);
        if (named !== null && !rest.startsWith('<=') && !rest.startsWith('<!')) {
          const name = named[1]!;
          if (name === '' || !/^[A-Za-z0-9_]+$/.test(name)) fail('invalid named capture', i, i + 2 + named[0].length);
          names.push(name);
          stack.push({ saved: { ...flags }, baseI: flags.i, open: 0 });
          out += '(';
          i += 2 + named[0].length;
          canRepeat = false; lastWasRepeat = false;
          continue;
        }
        const fm = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
        if (fm === null || (fm[2] !== undefined && fm[2] === '' && fm[0].includes('-'))) {
          fail('invalid or unsupported Perl syntax', i, Math.min(cps.length, i + 3));
        }
        const next: Flags = { ...flags };
        for (const f of fm![1] ?? '') next[f as keyof Flags] = true;
        for (const f of fm![2] ?? '') next[f as keyof Flags] = false;
        i += 2 + fm![0].length;
        if (fm![3] === ':') {
          // Scoped flags: a group of its own; only `i` needs a JS modifier.
          stack.push({ saved: { ...flags }, baseI: next.i, open: 0 });
          out += next.i === flags.i ? '(?:' : next.i ? '(?i:' : '(?-i:';
          flags = next;
        } else {
          // Flags for the rest of the current group (across `|` too, as in Go).
          if (next.i !== flags.i) { out += next.i ? '(?i:' : '(?-i:'; scope().open++; }
          flags = next;
        }
        canRepeat = false; lastWasRepeat = false;
        continue;
      }
      names.push('');
      stack.push({ saved: { ...flags }, baseI: flags.i, open: 0 });
      out += '(';
      i++;
      canRepeat = false; lastWasRepeat = false;
      continue;
    }
    if (c === ')') {
      const closing = stack.pop();
      if (closing === undefined) fail('unexpected )', 0, i + 1);
      out += `${')'.repeat(closing!.open)})`;
      flags = closing!.saved;
      i++;
      canRepeat = true; lastWasRepeat = false;
      continue;
    }
    if (c === '|') {
      // Close this alternative's modifier groups and re-open the case state for the next one.
      const sc = scope();
      out += `${')'.repeat(sc.open)}|`;
      sc.open = 0;
      if (flags.i !== sc.baseI) { out += flags.i ? '(?i:' : '(?-i:'; sc.open = 1; }
      i++;
      canRepeat = false; lastWasRepeat = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q = c;
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(cps.slice(i).join(''));
        if (m === null) { out += esc(0x7b); i++; canRepeat = true; lastWasRepeat = false; continue; }
        const min = Number(m[1]); const max = m[3] === undefined || m[3] === '' ? undefined : Number(m[3]);
        if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) fail('invalid repeat count', i, i + m[0].length);
        q = m[0];
        i += m[0].length - 1;
      }
      if (lastWasRepeat) fail('invalid nested repetition operator', tokenStart - 1, i + 1);
      if (!canRepeat) fail('missing argument to repetition operator', tokenStart, i + 1);
      i++;
      let lazy = false;
      if (peek() === '?') { lazy = true; i++; }
      if (flags.U) lazy = !lazy;
      out += q + (lazy ? '?' : '');
      lastWasRepeat = true;
      continue;
    }
    if (c === '.') { out += flags.s ? '[\\s\\S]' : '[^\\n]'; i++; canRepeat = true; lastWasRepeat = false; continue; }
    if (c === '^') { out += flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])'; i++; canRepeat = false; lastWasRepeat = false; continue; }
    if (c === '$') { out += flags.m ? '(?![^\\n])' : '(?![\\s\\S])'; i++; canRepeat = false; lastWasRepeat = false; continue; }
    out += literal(c.codePointAt(0)!);
    i++;
    canRepeat = true; lastWasRepeat = false;
  }
  if (stack.length > 0) fail('missing closing )', 0, cps.length);
  out += ')'.repeat(top.open);
  return { pattern: out, names };
}

/** Compiles a Go regexp; throws GoRegexpError for anything Go's `regexp.Compile` rejects. */
export function compileGoRegexp(source: string): GoRegexp {
  const { pattern, names } = translateGoRegexp(source);
  let js: RegExp;
  try {
    js = new RegExp(pattern, 'gv');
  } catch (err) {
    throw new GoRegexpError('invalid or unsupported Perl syntax', source);
  }
  return { source, js, names };
}

/** Go regexp.go `extract`: the `$name` / `${name}` reference at the start of `s`. */
function extractRef(s: string): { name: string; num: number; rest: string } | undefined {
  let str = s;
  const brace = str.startsWith('{');
  if (brace) str = str.slice(1);
  const m = /^[\p{L}\p{Nd}_]+/u.exec(str);
  if (m === null) return undefined;
  const name = m[0];
  let rest = str.slice(name.length);
  if (brace) {
    if (!rest.startsWith('}')) return undefined;
    rest = rest.slice(1);
  }
  let num = /^[0-9]+$/.test(name) && name.length <= 8 ? Number(name) : -1;
  if (name.length > 1 && name.startsWith('0')) num = -1;
  return { name, num, rest };
}

/** Go `Regexp.Expand` of `template` for one match (`groups[n]` undefined when group n did not take part). */
function expand(re: GoRegexp, template: string, groups: (string | undefined)[]): string {
  let out = '';
  let t = template;
  while (true) {
    const at = t.indexOf('$');
    if (at < 0) break;
    out += t.slice(0, at);
    t = t.slice(at + 1);
    if (t.startsWith('$')) { out += '$'; t = t.slice(1); continue; }
    const ref = extractRef(t);
    if (ref === undefined) { out += '$'; continue; }
    t = ref.rest;
    if (ref.num >= 0) out += groups[ref.num] ?? '';
    else {
      // Go allows duplicate names; the first group of that name that took part wins.
      for (let g = 1; g < re.names.length; g++) {
        if (re.names[g] === ref.name && groups[g] !== undefined) { out += groups[g]; break; }
      }
    }
  }
  return out + t;
}

/**
 * Go `Regexp.ReplaceAllString(src, repl)`: every non-overlapping match replaced by the expanded
 * template, skipping an empty match that directly follows the previous match (regexp.go
 * replaceAll: "but not for a match of the empty string immediately after another match").
 */
export function goReplaceAllString(re: GoRegexp, src: string, repl: string): string {
  const rx = re.js;
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    rx.lastIndex = searchPos;
    const m = rx.exec(src);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    out += src.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expand(re, repl, [...m]);
    lastMatchEnd = end;
    const cp = src.codePointAt(searchPos);
    const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + src.slice(lastMatchEnd);
}

/** Go `strings.ReplaceAll(s, old, new)`; an empty `old` inserts `new` around every code point. */
export function goStringsReplaceAll(s: string, old: string, replacement: string): string {
  if (old !== '') return s.split(old).join(replacement);
  return `${replacement}${[...s].join(replacement)}${s === '' ? '' : replacement}`;
}
