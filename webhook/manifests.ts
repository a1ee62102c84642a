/**
 * Kubernetes manifests from files (multi-document YAML, JSON, `kind: List`), and a Resolver over
 * them. This is how `mutate` sees "the cluster": exactly the objects the user passed, nothing else.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { V1Namespace, V1ServiceAccount } from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { jsonExcerpt } from '../common/excerpt.ts';
import type { ClusterExternalSecret, ClusterSecretStore, ExternalSecret, SecretStore } from '../contract/crd-types.ts';
import type { Resolver } from './admission/resolver.ts';

/** One object and where it came from (for messages). */
export interface Manifest {
  source: string;
  object: KubeObject;
}

/** The fields every Kubernetes object has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; generateName?: string; [k: string]: unknown };
  [k: string]: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses the text of one file. Steps: 1. split into YAML documents (JSON is YAML); 2. skip empty
 * documents; 3. flatten `kind: List`; 4. check each object has apiVersion, kind and a name (or
 * generateName). Throws E_INPUT listing every problem, with the file and document number.
 */
export function parseManifests(text: string, source: string): Manifest[] {
  const problems: string[] = [];
  const out: Manifest[] = [];
  // YAML 1.1, as kubectl reads manifests: `defaultMode: 0440` stays octal (288), not decimal 440.
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${source} document ${i + 1}`;
    if (doc.errors.length > 0) { problems.push(`${where}: not valid YAML/JSON: ${doc.errors.map((e) => e.message).join('; ')}`); return; }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    items.forEach((item: unknown, j: number) => {
      const at = items.length > 1 || item !== value ? `${where} item ${j + 1}` : where;
      if (!isObject(item)) { problems.push(`${at}: expected a Kubernetes object, got ${jsonExcerpt(item)}`); return; }
      if (typeof item.apiVersion !== 'string' || item.apiVersion === '') problems.push(`${at}: apiVersion is missing`);
      if (typeof item.kind !== 'string' || item.kind === '') problems.push(`${at}: kind is missing`);
      const meta = item.metadata;
      if (!isObject(meta) || ((typeof meta.name !== 'string' || meta.name === '') && (typeof meta.generateName !== 'string' || meta.generateName === ''))) {
        problems.push(`${at}: metadata.name is missing`);
        return;
      }
      out.push({ source: at, object: item as KubeObject });
    });
  });
  if (problems.length > 0) throw new InjectorError(ErrorCode.INPUT, `cannot read manifests: ${problems.join('; ')}`);
  return out;
}

/** Reads every file (`-` is standard input) and parses it; reports all unreadable files together. */
export async function readManifests(paths: readonly string[], readStdin: () => Promise<string> = defaultStdin): Promise<Manifest[]> {
  const problems: string[] = [];
  const out: Manifest[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
    } catch (err) {
      problems.push(`cannot read ${path}: ${(err as Error).message}`);
      continue;
    }
    try {
      out.push(...parseManifests(text, path === '-' ? '<stdin>' : path));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new InjectorError(ErrorCode.INPUT, problems.join('; '));
  return out;
}

async function defaultStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const CORE = 'v1';
const CRD_GROUP_PREFIX = 'alibabacloud.com/';

/**
 * A Resolver over given objects. Namespaced objects without `metadata.namespace` belong to
 * `defaultNamespace`, as `kubectl apply` would place them.
 */
export class StaticResolver implements Resolver {
  readonly #byKey = new Map<string, unknown>();

  constructor(objects: readonly KubeObject[], defaultNamespace: string) {
    for (const o of objects) {
      const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/') + 1) : '';
      const known = (o.apiVersion === CORE && (o.kind === 'Namespace' || o.kind === 'ServiceAccount'))
        || (group === CRD_GROUP_PREFIX && ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'ClusterExternalSecret'].includes(o.kind));
      if (!known) continue;
      const clusterScoped = o.kind === 'Namespace' || o.kind === 'ClusterSecretStore' || o.kind === 'ClusterExternalSecret';
      const ns = clusterScoped ? '' : (o.metadata.namespace ?? defaultNamespace);
      this.#byKey.set(StaticResolver.#key(o.kind, ns, o.metadata.name ?? ''), o);
    }
  }

  static #key(kind: string, namespace: string, name: string): string {
    return `${kind}\u0000${namespace}\u0000${name}`;
  }

  #get<T>(kind: string, namespace: string, name: string): Promise<T | undefined> {
    return Promise.resolve(this.#byKey.get(StaticResolver.#key(kind, namespace, name)) as T | undefined);
  }

  namespace(name: string): Promise<V1Namespace | undefined> { return this.#get('Namespace', '', name); }
  serviceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined> { return this.#get('ServiceAccount', namespace, name); }
  externalSecret(namespace: string, name: string): Promise<ExternalSecret | undefined> { return this.#get('ExternalSecret', namespace, name); }
  secretStore(namespace: string, name: string): Promise<SecretStore | undefined> { return this.#get('SecretStore', namespace, name); }
  clusterSecretStore(name: string): Promise<ClusterSecretStore | undefined> { return this.#get('ClusterSecretStore', '', name); }
  clusterExternalSecrets(): Promise<readonly ClusterExternalSecret[]> {
    const prefix = 'ClusterExternalSecret\u0000';
    return Promise.resolve([...this.#byKey].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v as ClusterExternalSecret));
  }
}
