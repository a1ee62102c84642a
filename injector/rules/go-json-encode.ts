/**
 * `json.Marshal` as Go's encoding/json prints a decoded `interface{}`: compact, map keys sorted by
 * their UTF-8 bytes, HTML-safe string escaping (`<`, `>`, `&` as `\u003c`...), U+2028/U+2029
 * escaped, and floats in ES6 form. ack-secret-manager 0.6.x uses it for complex jmesPath results
 * and for non-string extract values of JSON input (reference §2.2-§2.3), so matching it exactly
 * keeps our files identical to the Kubernetes Secret the controller would have written.
 */
import { formatGoJsonFloat } from './go-number-format.ts';
import { GoTime, isStringMap, type GoValue } from './go-value.ts';

/** Thrown for values encoding/json refuses (`map[interface{}]interface{}`, NaN, ±Inf). */
export class GoJsonUnsupportedError extends Error {
  constructor(what: string) {
    super(`json: unsupported ${what}`);
    this.name = 'GoJsonUnsupportedError';
  }
}

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

/** `json.Marshal(v)` for a decoded value; throws GoJsonUnsupportedError where Go returns an error. */
export function goJsonMarshal(v: GoValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new GoJsonUnsupportedError(`value ${String(v)}`);
      return formatGoJsonFloat(v);
    case 'string': return goJsonQuote(v);
    default: break;
  }
  if (v instanceof GoTime) return goJsonQuote(v.toRfc3339Nano());
  if (Array.isArray(v)) return `[${v.map(goJsonMarshal).join(',')}]`;
  if (v instanceof Map) throw new GoJsonUnsupportedError('type map[interface {}]interface {}');
  if (isStringMap(v)) {
    const keys = Object.keys(v).sort(compareUtf8);
    return `{${keys.map((k) => `${goJsonQuote(k)}:${goJsonMarshal(v[k] ?? null)}`).join(',')}}`;
  }
  throw new GoJsonUnsupportedError(`type ${typeof v}`);
}
