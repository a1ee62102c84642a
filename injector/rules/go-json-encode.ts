/**
 * `json.Marshal` as Go's encoding/json prints a decoded `interface{}`: compact, map keys sorted by
 * their UTF-8 bytes, HTML-safe string escaping (`<`, `>`, `&` as `\u003c`...), U+2028/U+2029
 * escaped, and floats in ES6 form. ack-secret-manager 0.6.x uses it for complex jmesPath results
 * and for non-string extract values of JSON input (reference §2.2-§2.3), so matching it exactly
 * keeps our files identical to the Kubernetes Secret the controller would have written.
 */
import { formatGoJsonFloat } from '../../common/go-number-format.ts';
import { compareUtf8, goJsonQuote } from '../../common/go-json-string.ts';

export { compareUtf8, goJsonQuote };
import { GoTime, isStringMap, type GoValue } from './go-value.ts';

/** Thrown for values encoding/json refuses (`map[interface{}]interface{}`, NaN, ±Inf). */
export class GoJsonUnsupportedError extends Error {
  constructor(what: string) {
    super(`json: unsupported ${what}`);
    this.name = 'GoJsonUnsupportedError';
  }
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
