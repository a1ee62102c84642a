/**
 * Shared inputs for the server tests: settings, a Resolver made of plain maps (the admission
 * core's real input, no mocking), and AdmissionReview builders.
 */
import type { V1Namespace, V1ServiceAccount } from '@kubernetes/client-node';
import type { ClusterExternalSecret, ClusterSecretStore, ExternalSecret, SecretStore } from '../../contract/crd-types.ts';
import type { Resolver } from '../../webhook/admission/resolver.ts';
import { parseSettings, type Settings } from '../../webhook/settings.ts';

export const SETTINGS: Readonly<Settings> = parseSettings({
  image: 'registry.example.com/ack-secret-injector:0.1.0',
  region: 'cn-hangzhou',
  accountId: '1234567890',
  clusterId: 'c0ffee',
  nativeSidecar: 'never',
});

/** A seeded env value that must never appear in any log line. */
export const SEEDED_ENV_VALUE = 'env-value-that-must-not-be-logged-7f3a';

/** Resolver over maps keyed `namespace/name` (cluster-scoped: `name`). */
export class MapResolver implements Resolver {
  readonly namespaces = new Map<string, V1Namespace>();
  readonly serviceAccounts = new Map<string, V1ServiceAccount>();
  readonly externalSecrets = new Map<string, ExternalSecret>();
  readonly secretStores = new Map<string, SecretStore>();
  readonly clusterSecretStores = new Map<string, ClusterSecretStore>();
  readonly clusterExternalSecretList: ClusterExternalSecret[] = [];
  /** Called before every serviceAccount lookup; tests use it to hold a review in flight. */
  beforeServiceAccount: () => Promise<void> = async () => {};

  async namespace(name: string): Promise<V1Namespace | undefined> {
    return this.namespaces.get(name);
  }
  async serviceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined> {
    await this.beforeServiceAccount();
    return this.serviceAccounts.get(`${namespace}/${name}`);
  }
  async externalSecret(namespace: string, name: string): Promise<ExternalSecret | undefined> {
    return this.externalSecrets.get(`${namespace}/${name}`);
  }
  async secretStore(namespace: string, name: string): Promise<SecretStore | undefined> {
    return this.secretStores.get(`${namespace}/${name}`);
  }
  async clusterSecretStore(name: string): Promise<ClusterSecretStore | undefined> {
    return this.clusterSecretStores.get(name);
  }
  async clusterExternalSecrets(): Promise<readonly ClusterExternalSecret[]> {
    return this.clusterExternalSecretList;
  }
}

/** team-a with ServiceAccount `app` (RRSA role) and ExternalSecret `db`. */
export function seededResolver(): MapResolver {
  const r = new MapResolver();
  r.namespaces.set('team-a', { metadata: { name: 'team-a' } });
  r.serviceAccounts.set('team-a/app', { metadata: { name: 'app', namespace: 'team-a', annotations: { 'ack.alibabacloud.com/role-arn': 'acs:ram::1234567890:role/app' } } });
  r.externalSecrets.set('team-a/db', { apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'team-a' }, spec: { data: [{ key: 'db-password', name: 'password' }] } });
  return r;
}

/** An opted-in pod (generateName, like a ReplicaSet's) asking for `externalSecrets`. */
export function pod(options: { externalSecrets?: string; optIn?: boolean; generateName?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: options.generateName ?? 'web-7d9c-',
      namespace: 'team-a',
      labels: options.optIn === false ? {} : { 'secret-injector.alibabacloud.com/inject': 'true' },
      annotations: { 'secret-injector.alibabacloud.com/external-secrets': options.externalSecrets ?? 'db' },
    },
    spec: {
      serviceAccountName: 'app',
      containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'DB_HINT', value: SEEDED_ENV_VALUE }] }],
    },
  };
}

/** An admission.k8s.io/v1 AdmissionReview for a pod CREATE. */
export function review(uid: string, object: Record<string, unknown> = pod()): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'team-a',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** Collects pino JSON lines. */
export function logSink(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}
