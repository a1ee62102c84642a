/**
 * A data source's `secretStoreRef` → a credential profile id. Checks the reference (kind, name,
 * namespace), resolves the store once per pod, applies a ClusterSecretStore's namespace
 * conditions, and hands the provider's auth section to store-identity.ts. No reference means the
 * pod's own ServiceAccount role. A name no Kubernetes object can have (over 253 characters, or
 * not a DNS-1123 subdomain) is denied first, so every later message quotes a bounded name.
 */
import { describeValue } from '../../../common/excerpt.ts';
import type { ClusterSecretStore, DataSource, ProviderAuth, SecretStore } from '../../../contract/crd-types.ts';
import { validateCrdObject } from '../../../contract/crd-shape.ts';
import { checkStoreRefNamespace, clusterStoreAdmits, objectNameProblem } from '../isolation.ts';
import { DenialReason } from '../response.ts';
import { deny, type PlanState } from './plan-state.ts';
import { usePodOrWorkerProfile } from './pod-role.ts';
import { profileForStore } from './store-identity.ts';

/** The two providers of ack-secret-manager. */
export type Provider = 'kms' | 'oos';
type StoreKind = 'SecretStore' | 'ClusterSecretStore';

/** The profile id for the source's store reference; undefined after a denial. */
export async function planStoreRef(state: PlanState, source: DataSource, provider: Provider, esName: string, where: string): Promise<string | undefined> {
  const ref = source.secretStoreRef;
  if (ref === undefined || ref === null) return usePodOrWorkerProfile(state, where);
  if (typeof ref.name !== 'string' || ref.name === '') { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${where}.secretStoreRef.name: expected a store name, got ${describeValue(ref.name)}`); return undefined; }
  // Before the name is looked up, put in a profile id or in any message: no store can have it.
  const nameProblem = objectNameProblem(ref.name);
  if (nameProblem !== undefined) { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${where}.secretStoreRef.name: ${nameProblem}`); return undefined; }
  const kind = ref.kind ?? 'SecretStore';
  if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore') {
    deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${where}.secretStoreRef.kind: invalid value ${describeValue(kind)}; expected "SecretStore" or "ClusterSecretStore"`);
    return undefined;
  }
  const nsProblem = checkStoreRefNamespace(ref, state.namespace, where);
  if (nsProblem !== undefined) { state.problems.push(nsProblem); return undefined; }
  const id = `${kind === 'SecretStore' ? 'secretstore' : 'clustersecretstore'}/${ref.name}/${provider}`;
  let pending = state.storeProfiles.get(id);
  if (pending === undefined) {
    pending = planStore(state, id, kind, ref.name, provider, esName, where);
    state.storeProfiles.set(id, pending);
  }
  return pending;
}

/** Resolves the store, checks it serves the provider, and plans its identity. */
async function planStore(state: PlanState, id: string, kind: StoreKind, name: string, provider: Provider, esName: string, where: string): Promise<string | undefined> {
  const label = kind === 'SecretStore' ? `SecretStore ${state.namespace}/${name}` : `ClusterSecretStore ${name}`;
  const store = await resolveStore(state, kind, name, label, where);
  if (store === null) return undefined;
  if (store === undefined) { deny(state, DenialReason.SECRET_STORE_NOT_FOUND, `${where}: ${label} not found`); return undefined; }
  const spec = store.spec ?? {};
  const section = provider === 'kms' ? spec.KMS : spec.OOS;
  if (section === undefined || section === null) {
    deny(state, DenialReason.INVALID_SECRET_STORE, `${where}: ${label} has no ${provider === 'kms' ? 'KMS' : 'OOS'} provider, but ExternalSecret ${esName} uses provider ${provider}`);
    return undefined;
  }
  const auth = provider === 'kms' ? (section as { KMSAuth?: ProviderAuth }).KMSAuth : (section as { OOSAuth?: ProviderAuth }).OOSAuth;
  if (kind === 'ClusterSecretStore') warnClusterStoreTrust(state, name);
  return profileForStore(state, id, auth, `${label} spec.${provider === 'kms' ? 'KMS.KMSAuth' : 'OOS.OOSAuth'}`, where);
}

/**
 * The admission warning for a pod that uses a ClusterSecretStore (issue 13, defect 9): the
 * webhook's namespace conditions are defence in depth, not the boundary. Any pod whose
 * ServiceAccount token the RAM role's trust policy accepts can assume the role, with or without
 * this webhook (a pod may project its own token), so the trust policy must list exactly the
 * ServiceAccounts meant to use the store. Once per store per pod.
 */
function warnClusterStoreTrust(state: PlanState, name: string): void {
  const warning = `ClusterSecretStore ${name}: the webhook admits namespace ${state.namespace} by the store's conditions, but the RAM role's trust policy is what limits who can assume it (any pod can project its own ServiceAccount token); make sure the trust policy names only the ServiceAccounts meant to use this store (docs/security.md, "ClusterSecretStore trust policy")`;
  if (!state.warnings.includes(warning)) state.warnings.push(warning);
}

/**
 * The store, shape-checked (contract/crd-shape.ts) BEFORE anything reads it: a `namespaces`
 * string or a `namespaceSelector` string must never reach the namespace check, where they would
 * substring-match or read as "no constraint" (issue 17). Undefined when missing; null after a
 * denial (a wrong shape, or a ClusterSecretStore that refuses the namespace).
 */
async function resolveStore(state: PlanState, kind: StoreKind, name: string, label: string, where: string): Promise<SecretStore | ClusterSecretStore | undefined | null> {
  const raw = kind === 'SecretStore' ? await state.resolver.secretStore(state.namespace, name) : await state.resolver.clusterSecretStore(name);
  if (raw === undefined) return undefined;
  const shape = validateCrdObject(kind, raw, label);
  state.warnings.push(...shape.warnings);
  if (shape.problems.length > 0) {
    for (const p of shape.problems) deny(state, DenialReason.INVALID_SECRET_STORE, `${where}: ${p}`);
    return null;
  }
  if (kind === 'SecretStore') return shape.object as unknown as SecretStore;
  const store = shape.object as unknown as ClusterSecretStore;
  const admission = clusterStoreAdmits(store, state.namespace, await state.resolver.namespace(state.namespace));
  if (!admission.admitted) { deny(state, DenialReason.CLUSTER_STORE_NOT_ALLOWED, `${where}: ${admission.reason}`); return null; }
  return store;
}
