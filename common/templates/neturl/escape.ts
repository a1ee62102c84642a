/**
 * net/url's percent-encoding (escape, unescape and the per-component shouldEscape rules of
 * Go 1.26). Strings here are byte strings: one char per UTF-8 byte (latin1), as Go indexes them.
 */

export const Mode = { path: 1, pathSegment: 2, host: 4, zone: 8, userPassword: 16, queryComponent: 32, fragment: 64 } as const;
export type EncodeMode = (typeof Mode)[keyof typeof Mode];

/** An invalid escape or host character; the message is Go's. */
export class UrlError extends Error {
  constructor(message: string) { super(message); this.name = 'UrlError'; }
}

const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
const ishex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const unhex = (c: number): number => (c <= 57 ? c - 48 : (c | 0x20) - 87);

/** Go's shouldEscape (gen_encoding_table.go). */
export function shouldEscape(c: number, mode: EncodeMode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === Mode.host || mode === Mode.zone) && '!$&\'()*+,;=:[]<>"'.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case Mode.path: return ch === '?';
      case Mode.pathSegment: return '/;,?'.includes(ch);
      case Mode.userPassword: return '@/?:'.includes(ch);
      case Mode.queryComponent: return true;
      case Mode.fragment: return false;
    }
  }
  if (mode === Mode.fragment && '!()*'.includes(ch)) return false;
  return true;
}

const quote = (s: string): string => JSON.stringify(Buffer.from(s, 'latin1').toString('utf8'));

/** url.unescape. */
export function unescape(s: string, mode: EncodeMode): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !ishex(s.charCodeAt(i + 1)) || !ishex(s.charCodeAt(i + 2))) throw new UrlError(`invalid URL escape ${quote(s.slice(i, i + 3))}`);
      const three = s.slice(i, i + 3);
      if (mode === Mode.host && unhex(s.charCodeAt(i + 1)) < 8 && three !== '%25') throw new UrlError(`invalid URL escape ${quote(three)}`);
      if (mode === Mode.zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (three !== '%25' && v !== 0x20 && shouldEscape(v, Mode.host)) throw new UrlError(`invalid URL escape ${quote(three)}`);
      }
      i += 3;
    } else if (c === 0x2b) {
      hasPlus = mode === Mode.queryComponent;
      i++;
    } else {
      if ((mode === Mode.host || mode === Mode.zone) && c < 0x80 && shouldEscape(c, mode)) throw new UrlError(`invalid character ${quote(s[i]!)} in host name`);
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) { t += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2))); i += 2; }
    else if (c === 0x2b) t += mode === Mode.queryComponent ? ' ' : '+';
    else t += s[i];
  }
  return t;
}

/** url.escape. */
export function escape(s: string, mode: EncodeMode): string {
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === Mode.queryComponent) t += '+';
    else if (shouldEscape(c, mode)) t += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else t += s[i];
  }
  return t;
}

/** validEncoded: s contains only characters that need no escaping in mode (or escapes). */
export function validEncoded(s: string, mode: EncodeMode): boolean {
  for (let i = 0; i < s.length; i++) {
    if ("!$&'()*+,;=:@[]%".includes(s[i]!)) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}
