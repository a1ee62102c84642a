/**
 * encoding/json for template values: `toJson` (compact, HTML-escaped), `toRawJson` (no HTML
 * escaping), `toPrettyJson` (MarshalIndent with two spaces), and `fromJson` (objects become
 * map[string]interface{}, numbers float64, as json.Unmarshal into interface{} does).
 */
import { formatGoJsonFloat } from '../../go-number-format.ts';
import { compareUtf8, goJsonQuote } from '../../go-json-string.ts';
import { FuncError } from '../function-types.ts';
import { GoFloat, GoInt, GoMap, GoObject, GoSlice, NO_VALUE, fromJsonValue, type GoValue, type Val } from '../values.ts';

const HTML_BACK: Readonly<Record<string, string>> = { '\\u003c': '<', '\\u003e': '>', '\\u0026': '&' };
/** Undoes the HTML escapes of goJsonQuote (escaped backslash pairs are consumed first). */
const unescapeHtml = (s: string): string => s.replace(/\\\\|\\u003c|\\u003e|\\u0026/g, (m) => HTML_BACK[m] ?? m);

/** json.Marshal of a value; `html` false is Encoder.SetEscapeHTML(false); `indent` for MarshalIndent. */
export function marshal(v: Val, html: boolean, indent = '', depth = 0): string {
  if (v === null || v === NO_VALUE) return 'null';
  if (typeof v === 'string') return html ? goJsonQuote(v) : unescapeHtml(goJsonQuote(v));
  if (typeof v === 'boolean') return String(v);
  if (v instanceof GoInt) return v.v.toString();
  if (v instanceof GoFloat) {
    if (!Number.isFinite(v.v)) throw new FuncError(`json: unsupported value: ${v.v > 0 ? '+Inf' : v.v < 0 ? '-Inf' : 'NaN'}`);
    return formatGoJsonFloat(v.v);
  }
  if (v instanceof GoObject) return v.marshalJson();
  const nl = indent ? `\n${indent.repeat(depth + 1)}` : '';
  const end = indent ? `\n${indent.repeat(depth)}` : '';
  if (v instanceof GoSlice) {
    if (v.nil) return 'null';
    if (v.items.length === 0) return '[]';
    return `[${v.items.map((x) => nl + marshal(x, html, indent, depth + 1)).join(',')}${end}]`;
  }
  const keys = [...v.entries.keys()].sort(compareUtf8);
  if (keys.length === 0) return '{}';
  const sep = indent ? ': ' : ':';
  return `{${keys.map((k) => `${nl}${marshal(k, html)}${sep}${marshal(v.entries.get(k)!, html, indent, depth + 1)}`).join(',')}${end}}`;
}

/** json.Unmarshal into interface{}; throws FuncError with a Go-like message on bad input. */
export function unmarshal(text: string): GoValue {
  try {
    return fromJsonValue(JSON.parse(text));
  } catch {
    throw new FuncError(text.trim() === '' ? 'unexpected end of JSON input' : 'invalid character in JSON input');
  }
}

export { GoMap };
