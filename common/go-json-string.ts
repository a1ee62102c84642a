/**
 * Go's encoding/json string quoting and map-key order, shared by the rule engine's json.Marshal
 * (injector/rules/go-json-encode.ts) and the template engine's toJson (common/templates).
 */

const HEX = '0123456789abcdef';

/** Go's quoting of one string (encode.go appendString with escapeHTML=true). */
export function goJsonQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26) { out += s[i]; continue; }
      switch (c) {
        case 0x22: out += '\\"'; break;
        case 0x5c: out += '\\\\'; break;
        case 0x08: out += '\\b'; break;
        case 0x0c: out += '\\f'; break;
        case 0x0a: out += '\\n'; break;
        case 0x0d: out += '\\r'; break;
        case 0x09: out += '\\t'; break;
        default: out += `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
      }
      continue;
    }
    if (c === 0x2028 || c === 0x2029) { out += `\\u${c.toString(16)}`; continue; }
    // A lone surrogate cannot come out of UTF-8; Go would have decoded it as U+FFFD.
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { out += s[i]! + s[i + 1]!; i++; continue; }
      out += '\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) { out += '\ufffd'; continue; }
    out += s[i];
  }
  return `${out}"`;
}

/** Go's map key order: byte-wise comparison of the UTF-8 encodings (encode.go mapEncoder). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
