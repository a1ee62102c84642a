/**
 * Sprig's `urlParse` (a dict of scheme, host, hostname, path, query, opaque, fragment,
 * userinfo) and `urlJoin` (the reverse, through url.URL.String), on the port of Go's net/url in
 * ../neturl/. Sprig panics on a bad URL or a non-string dict value; text/template reports the
 * panic as an execution error, and so does the engine.
 */
import { emptyUrl, fromBytes, hostname, parseUrl, toBytes, urlString, userinfoString, type Url } from '../neturl/url.ts';
import { fn, type TemplateFunction } from '../function-types.ts';
import { GoMap, kindName, type GoValue, type Val } from '../values.ts';

function urlParse(v: string): GoMap {
  let u: Url;
  try { u = parseUrl(v); } catch (e) { throw new Error(`unable to parse url: ${(e as Error).message}`); }
  const entries: [string, GoValue][] = [
    ['scheme', u.scheme], ['host', u.host], ['hostname', hostname(u)], ['path', u.path], ['query', u.rawQuery],
    ['opaque', u.opaque], ['fragment', u.fragment], ['userinfo', u.user === undefined ? '' : userinfoString(u.user)],
  ];
  return new GoMap('interface {}', new Map(entries.map(([k, x]) => [k, fromBytes(x as string)])));
}

/** dictGetOrEmpty: a missing key is "", a value that is not a string panics. */
function field(d: GoMap, key: string): string {
  const v = d.entries.get(key);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new Error(`unable to parse ${key} key, must be of type string, but ${v === null ? 'invalid' : kindName(v)} found`);
  return toBytes(v);
}

function urlJoin(d: GoMap): string {
  const u: Url = { ...emptyUrl(), scheme: field(d, 'scheme'), host: field(d, 'host'), path: field(d, 'path'), rawQuery: field(d, 'query'), opaque: field(d, 'opaque'), fragment: field(d, 'fragment') };
  const userinfo = fromBytes(field(d, 'userinfo'));
  if (userinfo !== '') {
    try { u.user = parseUrl(`proto://${userinfo}@host`).user; } catch (e) { throw new Error(`unable to parse userinfo in dict: ${(e as Error).message}`); }
  }
  return fromBytes(urlString(u));
}

export const URL_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['urlParse', fn(['string'], (a: Val[]) => urlParse(a[0] as string))],
  ['urlJoin', fn(['map[string]interface {}'], (a: Val[]) => urlJoin(a[0] as GoMap))],
];
