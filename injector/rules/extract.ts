/**
 * `dataProcess[].extract` + `replaceRule` with ack-secret-manager 0.6.x semantics (reference §2.3,
 * ProcessExtractedExternalSecretData and the controller's getExternalSecretWithExtract):
 *
 * 1. strict JSON (first byte `{`/`[`, valid JSON) is decoded with encoding/json, anything else
 *    with yaml.v3, into `map[string]interface{}`; a top-level list or scalar fails the entry;
 * 2. every TOP-LEVEL key becomes a Secret key: strings raw, other values `json.Marshal`ed (JSON
 *    input) or `yaml.Marshal`ed (YAML input, so scalars carry a trailing newline);
 * 3. each replaceRule, in order, rewrites every key with Go `ReplaceAllString(key, target)`; an
 *    uncompilable `source` fails the entry (fail-closed, as 0.6.x does);
 * 4. each value gets the literal `strings.ReplaceAll(value, source, target)` of every rule, in order;
 * 5. a key equal to some `extract.jmesPath[].path` is renamed to that entry's non-empty
 *    `objectAlias` (no JMESPath evaluation happens here; upstream only matches the text).
 *
 * Keys that collide after step 3 keep the value of the key that sorts last (UTF-8 order); Go's
 * map iteration makes upstream's choice random, so any fixed choice is as faithful as another.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { PlannedDataProcess } from '../../contract/injector-config-schema.ts';
import { compareUtf8, goJsonMarshal } from './go-json-encode.ts';
import { compileGoRegexp, goReplaceAllString, goStringsReplaceAll, GoRegexpError, type GoRegexp } from '../../common/go-regexp.ts';
import { isStringMap, type GoStringMap, type GoValue } from './go-value.ts';
import { isStrictJson } from './jmes-path.ts';
import { decodeYamlV3StringMap } from './yaml-v3-decode.ts';
import { yamlV3Marshal } from './yaml-v3-encode.ts';

/** Compiles every replaceRule source, reporting all bad ones at once (E_RULE). */
export function compileReplaceRules(process: PlannedDataProcess, where: string): GoRegexp[] {
  const rules = process.replaceRule ?? [];
  const problems: string[] = [];
  const compiled: GoRegexp[] = [];
  rules.forEach((r, i) => {
    try {
      compiled.push(compileGoRegexp(r.source));
    } catch (err) {
      const why = err instanceof GoRegexpError ? err.message : String(err);
      problems.push(`${where}.replaceRule[${i}].source ${JSON.stringify(r.source)}: ${why} (Go RE2 syntax: no look-around, no backreferences)`);
    }
  });
  if (problems.length > 0) throw new InjectorError(ErrorCode.RULE, problems.join('; '));
  return compiled;
}

function decodeTopLevel(text: string, asJson: boolean, where: string): GoStringMap {
  if (asJson) {
    const v = JSON.parse(text) as unknown;
    if (v === null) return Object.create(null) as GoStringMap;
    if (!isStringMap(v)) {
      throw new InjectorError(ErrorCode.RULE, `${where}: extract needs a JSON object or YAML mapping at the top level, got a JSON ${Array.isArray(v) ? 'array' : typeof v}`);
    }
    return v;
  }
  try {
    return decodeYamlV3StringMap(text);
  } catch (err) {
    throw new InjectorError(ErrorCode.RULE, `${where}: extract needs a JSON object or YAML mapping at the top level; the value does not parse as one (${(err as Error).message.split('\n').join(' ')})`);
  }
}

/** Applies one dataProcess entry to the fetched text; returns key → value in output order. */
export function applyExtract(text: string, process: PlannedDataProcess, where: string): Map<string, string> {
  const rules = compileReplaceRules(process, where);
  // 1. Decode.
  const asJson = isStrictJson(text);
  const top = decodeTopLevel(text, asJson, `${where}.extract`);
  // 2. Top-level keys and their printed values.
  let kv = new Map<string, string>();
  for (const key of Object.keys(top).sort(compareUtf8)) {
    const v = top[key] as GoValue;
    if (typeof v === 'string') { kv.set(key, v); continue; }
    try {
      kv.set(key, asJson ? goJsonMarshal(v) : yamlV3Marshal(v));
    } catch (err) {
      throw new InjectorError(ErrorCode.RULE, `${where}.extract: the value of top-level key ${JSON.stringify(key)} cannot be printed (${(err as Error).message})`);
    }
  }
  // 3. Key rewrites, rule by rule.
  const sources = process.replaceRule ?? [];
  rules.forEach((re, i) => {
    const target = sources[i]!.target;
    const next = new Map<string, string>();
    for (const [k, v] of kv) next.set(goReplaceAllString(re, k, target), v);
    kv = next;
  });
  // 4-5. Literal value replacement, then alias renames.
  const out = new Map<string, string>();
  for (const [k, v] of kv) {
    let value = v;
    for (const r of sources) value = goStringsReplaceAll(value, r.source, r.target);
    const alias = process.extract?.jmesPath?.find((j) => j.path === k)?.objectAlias;
    out.set(alias !== undefined && alias !== '' ? alias : k, value);
  }
  return out;
}
