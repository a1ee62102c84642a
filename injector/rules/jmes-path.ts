/**
 * `data[].jmesPath` with ack-secret-manager 0.6.x semantics (reference §2.2, utils.GetJsonSecrets):
 *
 * 1. the value is "strict JSON" when its first byte is `{` or `[` and the whole text parses as
 *    JSON; that only decides how complex results are printed (JSON vs YAML);
 * 2. the text is decoded with yaml.v3 rules, falling back to encoding/json; when both fail the
 *    caller writes the raw value (it is not an error);
 * 3. each `{path, objectAlias}` is searched; a syntax error or a null/missing result is skipped;
 *    strings are written raw; numbers and booleans as Go `%v` prints them; maps and lists as
 *    compact JSON (sorted keys) for strict-JSON input, else as yaml.v3 YAML; anything else
 *    (a mapping with non-string keys) is skipped;
 * 4. an empty `objectAlias` means the data `key`.
 */
import jmespath from 'jmespath';
import { formatGoFloatG } from '../../common/go-number-format.ts';
import { goJsonMarshal } from './go-json-encode.ts';
import { isStringMap, type GoValue } from './go-value.ts';
import { decodeYamlV3 } from './yaml-v3-decode.ts';
import { yamlV3Marshal } from './yaml-v3-encode.ts';
import type { JmesPathObject } from '../../contract/crd-types.ts';

/** ack-secret-manager's IsValidJSON: first byte `{`/`[` (no trimming) and valid JSON throughout. */
export function isStrictJson(text: string): boolean {
  if (!text.startsWith('{') && !text.startsWith('[')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The outcome of one path: written under `key`, or skipped with a reason (for logs; never a value). */
export type JmesPathOutcome = { path: string; key: string; value: string } | { path: string; skipped: string };

/** Prints one search result as ack-secret-manager does, or undefined when it would skip it. */
function printResult(result: unknown, asJson: boolean): string | undefined {
  if (typeof result === 'string') return result;
  if (typeof result === 'bigint') return result.toString();
  if (typeof result === 'number') return formatGoFloatG(result);
  if (typeof result === 'boolean') return result ? 'true' : 'false';
  if (Array.isArray(result) || isStringMap(result)) {
    try {
      return asJson ? goJsonMarshal(result as GoValue) : yamlV3Marshal(result as GoValue);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Runs every jmesPath entry of one data entry over `text`. Returns undefined when the text is
 * neither YAML nor JSON (the caller falls back to the raw value), else the outcomes in order.
 */
export function runJmesPaths(text: string, paths: readonly JmesPathObject[], dataKey: string): JmesPathOutcome[] | undefined {
  // 1. Strict JSON probe.
  const asJson = isStrictJson(text);
  // 2. yaml.v3 first, encoding/json second.
  let data: GoValue;
  try {
    data = decodeYamlV3(text);
  } catch {
    try {
      data = JSON.parse(text) as GoValue;
    } catch {
      return undefined;
    }
  }
  // 3-4. Search, print, name.
  return paths.map((p): JmesPathOutcome => {
    let result: unknown;
    try {
      result = jmespath.search(data as never, p.path);
    } catch {
      return { path: p.path, skipped: 'invalid JMESPath expression' };
    }
    if (result === null || result === undefined) return { path: p.path, skipped: 'no result' };
    const value = printResult(result, asJson);
    if (value === undefined) return { path: p.path, skipped: 'unsupported result type' };
    const alias = p.objectAlias ?? '';
    return { path: p.path, key: alias === '' ? dataKey : alias, value };
  });
}
