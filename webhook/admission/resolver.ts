/**
 * How the admission core sees the cluster: a small read-only interface, so the core stays pure
 * and testable. The server implements it with informer caches (falling back to one direct GET on
 * a miss); `mutate` implements it over the manifests it was given; tests pass plain maps.
 * `undefined` means "does not exist".
 */
import type { V1Namespace, V1ServiceAccount } from '@kubernetes/client-node';
import type { ClusterExternalSecret, ClusterSecretStore, ExternalSecret, SecretStore } from '../../contract/crd-types.ts';

export interface Resolver {
  namespace(name: string): Promise<V1Namespace | undefined>;
  serviceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined>;
  externalSecret(namespace: string, name: string): Promise<ExternalSecret | undefined>;
  secretStore(namespace: string, name: string): Promise<SecretStore | undefined>;
  clusterSecretStore(name: string): Promise<ClusterSecretStore | undefined>;
  /** Every ClusterExternalSecret (a pod names one by its externalSecretName, not its own name). */
  clusterExternalSecrets(): Promise<readonly ClusterExternalSecret[]>;
}
