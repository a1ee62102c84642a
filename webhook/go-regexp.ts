/**
 * Go (RE2) regular expressions evaluated in JavaScript, for ClusterSecretStore
 * `conditions[].namespaceRegexes`. ack-secret-manager matches them with `regexp.MatchString`,
 * i.e. as SUBSTRING matches (ack-secret-manager-semantics.md §1.5); `RegExp.prototype.test` has the
 * same semantics. Where the dialects differ, a pattern Go would reject is rejected here too
 * (fail-closed), and the Go-only spellings are translated.
 */

/** Tagged result: the compiled pattern, or why it is not a valid Go pattern. */
export type GoRegexp = { ok: true; re: RegExp } | { ok: false; problem: string };

/**
 * Compiles a Go pattern. Steps: 1. a leading flag group `(?ims)` becomes JavaScript flags
 * (Go's `U` has no equivalent: refused); 2. walk the pattern, translating `(?P<name>` to
 * `(?<name>`, `\A` to `^`, `\z` to `$` and `\Q…\E` to escaped literals, and refusing what RE2 does not
 * support (look-around, back-references); 3. let the JavaScript engine parse the result.
 */
export function compileGoRegexp(pattern: string): GoRegexp {
  let src = pattern;
  let flags = '';
  // 1. Leading flags.
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
  if (lead !== null) {
    const f = lead[1] ?? '';
    if (/[^ims]/.test(f)) return { ok: false, problem: `flag group "(?${f})" uses a flag JavaScript cannot honour (only i, m, s)` };
    flags = [...new Set(f)].join('');
    src = src.slice(lead[0].length);
  }
  // 2. Walk.
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i] as string;
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === undefined) return { ok: false, problem: 'trailing backslash' };
      if (!inClass && /[1-9]/.test(next)) return { ok: false, problem: `back-reference "\\${next}" is not supported by Go's RE2` };
      if (!inClass && next === 'k') return { ok: false, problem: 'named back-reference "\\k" is not supported by Go\'s RE2' };
      if (!inClass && next === 'A') { out += '^'; i++; continue; }
      if (!inClass && next === 'z') { out += '$'; i++; continue; }
      if (next === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const literal = src.slice(i + 2, end === -1 ? undefined : end);
        out += literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        i = end === -1 ? src.length : end + 1;
        continue;
      }
      out += ch + next;
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      // A "]" right after "[" or "[^" is a literal in both dialects.
      if (src[i + 1] === '^') { out += '^'; i++; }
      if (src[i + 1] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (ch === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) { out += '(?<'; i += 3; continue; }
      if (/^(=|!|<=|<!)/.test(rest)) return { ok: false, problem: 'look-around assertions are not supported by Go\'s RE2' };
    }
    out += ch;
  }
  // 3. Parse.
  try {
    return { ok: true, re: new RegExp(out, flags) };
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
}
