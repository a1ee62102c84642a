/**
 * The function map templates are parsed and executed with: Go's builtins, Sprig v3.3.0's
 * TxtFuncMap minus what is excluded below, and ack-secret-manager's functions (which, as in
 * ack-secret-manager, replace Sprig's `bcrypt` and `htpasswd`).
 */
import { BUILTINS } from './builtins.ts';
import { ESO_FUNCS } from './eso-functions.ts';
import type { FuncMap, TemplateFunction } from './function-types.ts';
import { DATE_FUNCS } from './sprig/date.ts';
import { DICT_FUNCS, LIST_FUNCS, deepEqual } from './sprig/collections.ts';
import { DEFAULT_FUNCS, bindDeepEqual } from './sprig/defaults.ts';
import { ENCODING_FUNCS } from './sprig/encoding.ts';
import { NUMERIC_FUNCS } from './sprig/numeric.ts';
import { REGEX_FUNCS } from './sprig/regex.ts';
import { STRING_FUNCS } from './sprig/strings.ts';

bindDeepEqual(deepEqual);

const NONDETERMINISTIC = 'its result changes on every render, so the sidecar would rewrite the file (and signal the app) at every refresh';

/**
 * Sprig functions that are not available, each with the reason given in the parse error. Every
 * Sprig v3.3.0 TxtFuncMap name is either implemented or listed here (a test checks this).
 */
export const EXCLUDED: ReadonlyMap<string, string> = new Map([
  ['env', "the injector's environment is not the application's business"],
  ['expandenv', "the injector's environment is not the application's business"],
  ['getHostByName', 'templates do no network I/O'],
  ...['randAlphaNum', 'randAlpha', 'randAscii', 'randNumeric', 'randInt', 'randBytes', 'shuffle', 'uuidv4', 'now', 'ago',
    'genPrivateKey', 'genCA', 'genCAWithKey', 'genSelfSignedCert', 'genSelfSignedCertWithKey', 'genSignedCert', 'genSignedCertWithKey',
    'buildCustomCert', 'encryptAES'].map((n): [string, string] => [n, NONDETERMINISTIC]),
  ...['decryptAES', 'derivePassword'].map((n): [string, string] => [n, 'not implemented']),
  ...['semver', 'semverCompare'].map((n): [string, string] => [n, 'semantic-version functions are not implemented']),
  ...['urlParse', 'urlJoin'].map((n): [string, string] => [n, "URL functions are not implemented (Go's net/url parsing)"]),
]);

/** Builds the function map once; later entries win, as FuncMap layering does in Go. */
function build(): FuncMap {
  const m = new Map<string, TemplateFunction>(BUILTINS);
  for (const family of [STRING_FUNCS, NUMERIC_FUNCS, DEFAULT_FUNCS, ENCODING_FUNCS, LIST_FUNCS, DICT_FUNCS, REGEX_FUNCS, DATE_FUNCS, ESO_FUNCS]) {
    for (const [name, f] of family) m.set(name, f);
  }
  for (const name of EXCLUDED.keys()) m.delete(name);
  return m;
}

/** The template function map. */
export const FUNCS: FuncMap = build();
