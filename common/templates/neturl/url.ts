/**
 * Go 1.26's net/url: Parse (scheme, opaque, authority with userinfo and host, path, query,
 * fragment, with the same validation and errors), URL.String, Hostname and Userinfo.String.
 * Works on byte strings internally (escape.ts); the public functions take and return text.
 */
import { Mode, UrlError, escape, unescape, validEncoded } from './escape.ts';
import { parseAddr } from './ip.ts';

export { UrlError };

export interface Userinfo { readonly username: string; readonly password: string; readonly passwordSet: boolean }

/** url.URL's fields, as byte strings. */
export interface Url {
  scheme: string; opaque: string; user: Userinfo | undefined; host: string; path: string; rawPath: string;
  forceQuery: boolean; rawQuery: string; fragment: string; rawFragment: string; omitHost: boolean;
}

export const toBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
export const fromBytes = (b: string): string => Buffer.from(b, 'latin1').toString('utf8');

export const emptyUrl = (): Url => ({ scheme: '', opaque: '', user: undefined, host: '', path: '', rawPath: '', forceQuery: false, rawQuery: '', fragment: '', rawFragment: '', omitHost: false });

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) { if (i === 0) return { scheme: '', rest: raw }; continue; }
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

const validOptionalPort = (port: string): boolean => port === '' || /^:[0-9]*$/.test(port);
const quote = (s: string): string => JSON.stringify(fromBytes(s));

function parseHost(host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new UrlError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
    const port = unescape(colonPort, Mode.host);
    const hostname = host.slice(1, close);
    const zoneAt = hostname.indexOf('%25');
    const unescaped = zoneAt >= 0 ? unescape(hostname.slice(0, zoneAt), Mode.host) + unescape(hostname.slice(zoneAt), Mode.zone) : unescape(hostname, Mode.host);
    const kind = parseAddr(unescaped);
    if (kind === undefined) throw new UrlError(`invalid host: ParseAddr(${quote(unescaped)}): unable to parse IP`);
    if (kind === 'v4') throw new UrlError('invalid IP-literal');
    return `[${unescaped}]${port}`;
  }
  let i = host.indexOf(':');
  if (i !== -1) {
    // The last colon starts the port: Go 1.26 does so for every scheme in modules that declare
    // go ≤ 1.25 (GODEBUG urlstrictcolons=0, as the oracle's go.mod does); stricter for http(s) after.
    i = host.lastIndexOf(':');
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
  }
  return unescape(host, Mode.host);
}

const validUserinfo = (s: string): boolean => /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);

function parseAuthority(authority: string): { user: Userinfo | undefined; host: string } {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new UrlError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { user: { username: unescape(userinfo, Mode.userPassword), password: '', passwordSet: false }, host };
  return { user: { username: unescape(userinfo.slice(0, colon), Mode.userPassword), password: unescape(userinfo.slice(colon + 1), Mode.userPassword), passwordSet: true }, host };
}

function setPath(u: Url, p: string): void {
  u.path = unescape(p, Mode.path);
  u.rawPath = escape(u.path, Mode.path) === p ? '' : p;
}

function parseNoFragment(raw: string): Url {
  if ([...raw].some((c) => c < ' ' || c === '\x7f')) throw new UrlError('net/url: invalid control character in URL');
  const u = emptyUrl();
  if (raw === '*') { u.path = '*'; return u; }
  const { scheme, rest: afterScheme } = getScheme(raw);
  u.scheme = scheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith('?') && rest.split('?').length === 2) { u.forceQuery = true; rest = rest.slice(0, -1); }
  else {
    const q = rest.indexOf('?');
    if (q >= 0) { u.rawQuery = rest.slice(q + 1); rest = rest.slice(0, q); }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') { u.opaque = rest; return u; }
    if (rest.split('/')[0]!.includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) { rest = authority.slice(slash); authority = authority.slice(0, slash); }
    ({ user: u.user, host: u.host } = parseAuthority(authority));
  } else if (u.scheme !== '' && rest.startsWith('/')) u.omitHost = true;
  setPath(u, rest);
  return u;
}

/** url.Parse; throws UrlError with Go's `parse "…": reason` message. */
export function parseUrl(text: string): Url {
  const raw = toBytes(text);
  const hash = raw.indexOf('#');
  const main = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  let u: Url;
  try { u = parseNoFragment(main); } catch (e) {
    if (e instanceof UrlError) throw new UrlError(`parse ${quote(main)}: ${e.message}`);
    throw e;
  }
  if (frag === '') return u;
  try {
    u.fragment = unescape(frag, Mode.fragment);
    u.rawFragment = escape(u.fragment, Mode.fragment) === frag ? '' : frag;
  } catch (e) {
    if (e instanceof UrlError) throw new UrlError(`parse ${quote(raw)}: ${e.message}`);
    throw e;
  }
  return u;
}

/** Userinfo.String (a byte string). */
export function userinfoString(u: Userinfo): string {
  return escape(u.username, Mode.userPassword) + (u.passwordSet ? `:${escape(u.password, Mode.userPassword)}` : '');
}

function escapedPath(u: Url): string {
  if (u.rawPath !== '' && validEncoded(u.rawPath, Mode.path)) {
    try { if (unescape(u.rawPath, Mode.path) === u.path) return u.rawPath; } catch { /* Go ignores the error here */ }
  }
  if (u.path === '*') return '*';
  return escape(u.path, Mode.path);
}

function escapedFragment(u: Url): string {
  if (u.rawFragment !== '' && validEncoded(u.rawFragment, Mode.fragment)) {
    try { if (unescape(u.rawFragment, Mode.fragment) === u.fragment) return u.rawFragment; } catch { /* as Go */ }
  }
  return escape(u.fragment, Mode.fragment);
}

/** URL.String (a byte string). */
export function urlString(u: Url): string {
  let buf = '';
  if (u.scheme !== '') buf += `${u.scheme}:`;
  if (u.opaque !== '') buf += u.opaque;
  else {
    if ((u.scheme !== '' || u.host !== '' || u.user !== undefined) && !(u.omitHost && u.host === '' && u.user === undefined)) {
      if (u.host !== '' || u.path !== '' || u.user !== undefined) buf += '//';
      if (u.user !== undefined) buf += `${userinfoString(u.user)}@`;
      if (u.host !== '') buf += escape(u.host, Mode.host);
    }
    const path = escapedPath(u);
    if (path !== '' && path[0] !== '/' && u.host !== '') buf += '/';
    if (buf === '' && path.split('/')[0]!.includes(':')) buf += './';
    buf += path;
  }
  if (u.forceQuery || u.rawQuery !== '') buf += `?${u.rawQuery}`;
  if (u.fragment !== '') buf += `#${escapedFragment(u)}`;
  return buf;
}

/** URL.Hostname: the host without the port and IPv6 brackets (a byte string). */
export function hostname(u: Url): string {
  let host = u.host;
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) host = host.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host;
}
