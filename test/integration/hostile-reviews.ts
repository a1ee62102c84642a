/**
 * A seeded generator of malformed and hostile requests to `POST /mutate`, for the robustness suite
 * (webhook-robustness.test.ts). Each request starts from a good AdmissionReview (the server
 * fixtures' opted-in pod) and applies one attack: a random JSON value at a random path, a deleted
 * field, corrupted or truncated bytes, a wrong content type, or one of the hand-made shapes a
 * hostile tenant tried in issue 13 (deep nesting, huge names, thousands of containers, volume
 * mounts of the injector's volumes, aliasing mount paths, prototype keys). The same seed always
 * gives the same sequence, so a failure names a seed and an index that reproduce it.
 */
import { pod, review } from '../unit/webhook-server-fixtures.ts';

/** One request: the body bytes, its content type, and the uid when the body carries a string one. */
export interface HostileRequest {
  kind: string;
  body: string;
  contentType: string;
  uid?: string;
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; deterministic per seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ANNOTATION = 'secret-injector.alibabacloud.com/';

/** Strings a hostile tenant would try: empty, huge, control characters, lone surrogates, path tricks, prototype names. */
const NASTY_STRINGS = [
  '', ' ', '\u0000', '\uD800', '😀', '../../etc/passwd', '/run/secrets/kubernetes.io/serviceaccount', '__proto__', 'constructor',
  'ack-secret-injector-token', 'a,b,,c', ',,,,', 'SIGKILL', 'http://169.254.169.254/latest', '${jndi:ldap://x}', '<script>', '%00', 'true', '1e309',
];

/** A generator bound to one seed. */
export class HostileReviews {
  readonly seed: number;
  readonly rand: () => number;
  private counter = 0;

  constructor(seed: number) {
    this.seed = seed;
    this.rand = prng(seed);
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Mostly a small size, one time in 30 a large one: the large inputs matter, but 10,000 of them would only make the suite slow. */
  private size(small: readonly number[], large: readonly number[]): number {
    return this.rand() < 1 / 30 ? this.pick(large) : this.pick(small);
  }

  /** A fresh good review with a unique uid. */
  good(): { uid: string; review: Record<string, unknown> } {
    const uid = `good-${this.seed}-${this.counter++}`;
    return { uid, review: review(uid) };
  }

  /** A random JSON value: scalars, nasty strings, large strings, nested objects and arrays, and deep nesting. */
  value(depth = 0): Json {
    switch (this.int(depth > 3 ? 6 : 10)) {
      case 0: return null;
      case 1: return this.rand() < 0.5;
      case 2: return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, 9488, 65536]);
      case 3: return this.pick(NASTY_STRINGS);
      case 4: return 'x'.repeat(this.size([1, 64, 254, 4096], [70_000]));
      case 5: return `v${this.int(1000)}`;
      case 6: return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      case 7: return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(['name', 'kind', 'spec', '__proto__', 'constructor', 'metadata', 'a']), this.value(depth + 1)]));
      case 8: return deep(this.size([100, 10_000], [60_000]), this.rand() < 0.5 ? 'object' : 'array');
      default: return Array.from({ length: this.size([10, 1000], [20_000]) }, (_, i) => ({ name: `n${i}` }));
    }
  }

  /** The next hostile request. */
  next(): HostileRequest {
    const { uid, review: r } = this.good();
    const hostileUid = uid.replace('good', 'hostile');
    (r.request as Record<string, unknown>).uid = hostileUid;
    const strategy = this.int(100);
    if (strategy < 35) return this.json('random value at a path', setAtRandomPath(r, this.value(), this), hostileUid);
    if (strategy < 45) return this.json('deleted field', deleteAtRandomPath(r, this), hostileUid);
    if (strategy < 55) return this.bytes(JSON.stringify(r));
    if (strategy < 60) return this.contentType(JSON.stringify(r), hostileUid);
    return this.handMade(r, hostileUid);
  }

  private json(kind: string, doc: unknown, uid: string): HostileRequest {
    const body = serialize(doc);
    const request = (doc as { request?: { uid?: unknown } } | null)?.request;
    const carried = typeof request === 'object' && request !== null && typeof request.uid === 'string' ? request.uid : undefined;
    return { kind, body, contentType: 'application/json', ...(carried === uid ? { uid } : carried === undefined ? {} : { uid: carried }) };
  }

  /** Byte-level corruption: truncation, a flipped byte, junk appended, or nothing at all. */
  private bytes(text: string): HostileRequest {
    const cut = this.int(text.length);
    const variants: Array<[string, string]> = [
      ['truncated JSON', text.slice(0, cut)],
      ['a corrupted byte', `${text.slice(0, cut)}${this.pick(['"', '{', '}', '\\', '\u0000', ',', ']'])}${text.slice(cut + 1)}`],
      ['trailing junk', `${text}${this.pick(['}', ' x', '\u0000', ',{}'])}`],
      ['empty body', ''],
      ['only whitespace', '   \n'],
      ['a JSON scalar', this.pick(['1', '"review"', 'true', 'null'])],
    ];
    const [kind, body] = this.pick(variants);
    return { kind, body, contentType: 'application/json' };
  }

  private contentType(body: string, uid: string): HostileRequest {
    const contentType = this.pick(['text/plain', 'application/yaml', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonx', 'multipart/form-data; boundary=x']);
    // application/json with a charset parameter is still JSON to fastify and the API server.
    return { kind: `content-type ${contentType}`, body, contentType, ...(contentType.startsWith('application/json;') ? { uid } : {}) };
  }

  /** The shapes from issue 13 and the hostile-tenant list, at random sizes. */
  private handMade(r: Record<string, unknown>, uid: string): HostileRequest {
    const request = r.request as Record<string, unknown>;
    const p = pod() as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    const annotations = p.metadata.annotations as Record<string, unknown>;
    const n = this.size([10, 1000], [25_000]);
    const names = (prefix: string): string => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');
    const cases: Array<[string, () => void]> = [
      ['many bad external-secrets names', () => { annotations[`${ANNOTATION}external-secrets`] = names('Bad_'); }],
      ['many unknown external-secrets', () => { annotations[`${ANNOTATION}external-secrets`] = names('missing-'); }],
      ['many repeated external-secrets', () => { annotations[`${ANNOTATION}external-secrets`] = Array.from({ length: n }, () => 'db').join(','); }],
      ['many unknown containers named', () => { annotations[`${ANNOTATION}containers`] = names('ghost-'); }],
      ['a huge annotation value', () => { annotations[`${ANNOTATION}mode`] = 'x'.repeat(this.size([1000], [500_000])); }],
      ['non-string annotation values', () => { annotations[`${ANNOTATION}external-secrets`] = this.value(); annotations[`${ANNOTATION}mount-path`] = this.value(); }],
      ['many containers', () => { p.spec.containers = Array.from({ length: this.size([100], [5000]) }, (_, i) => ({ name: `c${i}`, image: 'a', ports: [{ containerPort: 9488 }], volumeMounts: [{ name: 'ack-secret-injector-token', mountPath: '/t' }] })); }],
      ['mounts of the injector volumes', () => { p.spec.initContainers = [{ name: 'i', image: 'a', volumeMounts: [{ name: 'ack-secret-injector-files', mountPath: '/w' }], volumeDevices: [{ name: 'ack-secret-injector-ak-0', devicePath: '/dev/k' }] }]; }],
      ['an aliasing mount path', () => { annotations[`${ANNOTATION}mount-path`] = this.pick(['/run/secrets/kubernetes.io/serviceaccount', '/run/secrets/ack-secret-injector/tokens', '/app/dist', '/nodejs', `/${'a/'.repeat(this.size([20], [20_000]))}b`]); }],
      ['many volumes with the reserved prefix', () => { p.spec.volumes = Array.from({ length: this.size([10], [5000]) }, (_, i) => ({ name: `ack-secret-injector-${i}`, emptyDir: {} })); }],
      ['a huge namespace', () => { request.namespace = `ns-${'n'.repeat(this.size([300], [1_000_000]))}`; }],
      ['prototype keys everywhere', () => { p.metadata = JSON.parse(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"name":"web","namespace":"team-a","labels":{"${ANNOTATION}inject":"true"},"annotations":{"${ANNOTATION}external-secrets":"db","__proto__":"x"}}`) as Record<string, unknown>; }],
      ['a deep pod spec', () => { p.spec.affinity = deep(this.size([1000], [50_000]), 'object'); }],
      ['a deep request.kind', () => { request.kind = deep(this.size([1000], [50_000]), 'object'); }],
      ['containers not a list', () => { p.spec.containers = this.pick([{}, 'app', 7, null, [null], [{ name: 7 }]]); }],
      ['notify to an unknown container', () => { annotations[`${ANNOTATION}notify-signal`] = 'SIGHUP'; annotations[`${ANNOTATION}notify-container`] = 'x'.repeat(this.size([300], [100_000])); }],
      ['a non-object annotations map', () => { p.metadata.annotations = this.pick([[], 'a=b', 7, null]); }],
    ];
    const [kind, apply] = this.pick(cases);
    apply();
    request.object = p;
    return this.json(kind, r, uid);
  }
}

/**
 * A stand-in for `{"kind": {"kind": ... {}}}` or `[[[...]]]` nested `depth` times. JSON.stringify
 * recurses and overflows the stack long before 50,000 levels, so the nesting is written as text
 * by `serialize` (JSON.parse, which the server uses, is iterative and reads it fine).
 */
export function deep(depth: number, shape: 'object' | 'array'): Json {
  return `\u0001deep:${depth}:${shape}\u0001`;
}

const DEEP_RE = /"\\u0001deep:(\d+):(object|array)\\u0001"/g;

/** JSON text of `doc`, with every `deep()` stand-in expanded to its nesting. */
export function serialize(doc: unknown): string {
  return JSON.stringify(doc).replace(DEEP_RE, (_m, depth: string, shape: string) => {
    const n = Number(depth);
    return shape === 'object' ? `${'{"kind":'.repeat(n)}{}${'}'.repeat(n)}` : `${'['.repeat(n)}${']'.repeat(n)}`;
  });
}

/** Walks to a random node of `doc` (at most 6 levels) and replaces one of its children with `value`. */
function setAtRandomPath(doc: Record<string, unknown>, value: Json, g: HostileReviews): unknown {
  const [parent, key] = randomSlot(doc, g);
  if (parent === undefined) return value;
  (parent as Record<string, unknown>)[key] = value;
  return doc;
}

function deleteAtRandomPath(doc: Record<string, unknown>, g: HostileReviews): unknown {
  const [parent, key] = randomSlot(doc, g);
  if (parent === undefined) return doc;
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as Record<string, unknown>)[key];
  return doc;
}

/** A random [container, key] inside `doc`, or [undefined] for the root itself. */
function randomSlot(doc: Record<string, unknown>, g: HostileReviews): [object | undefined, string] {
  const rand = g.rand;
  if (rand() < 0.03) return [undefined, ''];
  let node: object = doc;
  for (let depth = 0; depth < 6; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(rand() * keys.length)] as string;
    const child = (node as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null || rand() < 0.25) return [node, key];
    node = child;
  }
  const keys = Object.keys(node);
  return [node, keys.length === 0 ? 'added' : keys[Math.floor(rand() * keys.length)] as string];
}
