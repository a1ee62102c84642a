/**
 * Resolves the pod's ExternalSecrets and their stores through the Resolver, applies every
 * isolation rule, and builds what the injector needs: the credential profiles, the planned
 * ExternalSecrets (store references replaced by profile ids) and the AccessKey Secrets to mount.
 * Every problem is collected, each with its stable denial reason, so one denial lists them all.
 */
import type { V1ServiceAccount } from '@kubernetes/client-node';
import type {
  AccessKeyProfile, CredentialProfile, PlannedDataProcess, PlannedDataSource, PlannedExternalSecret, RrsaProfile,
} from '../../contract/injector-config-schema.ts';
import type { ClusterSecretStore, DataProcess, DataSource, ExternalSecret, ProviderAuth, SecretStore } from '../../contract/crd-types.ts';
import type { Resolver } from './resolver.ts';
import type { Settings } from '../settings.ts';
import { OIDC_PROVIDER_ARN_RE } from '../settings.ts';
import { parseDurationSeconds } from '../../common/go-duration.ts';
import {
  checkSecretKeyRef, checkServiceAccountRef, checkStoreRefNamespace, clusterStoreAdmits,
} from './isolation.ts';
import { KMS_ENDPOINT_SYNTAX, isAllowedKmsEndpoint } from './kms-endpoint.ts';
import { DenialReason, type Problem } from './response.ts';
import { accessKeyMountDir, type AccessKeySecretMount } from '../pod/volumes.ts';

/** ServiceAccount annotation with a full role ARN (ack-secret-manager, reference §3.1). */
export const ROLE_ARN_ANNOTATION = 'ack.alibabacloud.com/role-arn';
/** ServiceAccount annotation with a role name, joined with settings.accountId (ack-pod-identity-webhook, alibaba-cloud-apis.md §1.2). */
export const ROLE_NAME_ANNOTATION = 'pod-identity.alibabacloud.com/role-name';
/** Profile id of the pod's own ServiceAccount role. */
export const POD_PROFILE_ID = 'pod-serviceaccount';
/** Session name when a store gives none; shows up in ActionTrail as the caller. */
export const DEFAULT_SESSION_NAME = 'ack-secret-injector';

const ROLE_ARN_RE = /^acs:ram:[^:]*:\d+:role\/[^\s]+$/;
/** RAM role names: 1-64 letters, digits, "." and "-" (RAM CreateRole API). */
const ROLE_NAME_RE = /^[A-Za-z0-9.-]{1,64}$/;
/** STS RoleSessionName: 2-64 of letters, digits and ".@-_" (STS AssumeRole API). */
const SESSION_NAME_RE = /^[A-Za-z0-9.@_-]{2,64}$/;
/** STS DurationSeconds bounds (AssumeRole/AssumeRoleWithOIDC API: 900..43200). */
const DURATION_RANGE = [900, 43200] as const;

/** What the planner needs. */
export interface PlanInput {
  namespace: string;
  serviceAccountName: string;
  externalSecretNames: readonly string[];
  resolver: Resolver;
  settings: Settings;
}

/** The result: usable only when `problems` is empty. */
export interface CredentialPlan {
  profiles: CredentialProfile[];
  externalSecrets: PlannedExternalSecret[];
  accessKeySecrets: AccessKeySecretMount[];
  warnings: string[];
  /** Each with its stable denial reason (response.ts DenialReason). */
  problems: Problem[];
}

type Provider = 'kms' | 'oos';

/** Resolves, checks and plans; see the numbered steps inside. */
export async function buildCredentialPlan(input: PlanInput): Promise<CredentialPlan> {
  const { namespace, serviceAccountName, resolver, settings } = input;
  const problems: Problem[] = [];
  const deny = (reason: DenialReason, message: string): void => { problems.push({ reason, message }); };
  const warnings: string[] = [];
  const profiles = new Map<string, CredentialProfile>();
  const accessKeySecrets: AccessKeySecretMount[] = [];
  const podRoleNeededBy: string[] = [];
  const saLabel = `${namespace}/${serviceAccountName}`;

  // 1. The pod's ServiceAccount and its role (looked up once, used only where needed).
  let saPromise: Promise<V1ServiceAccount | undefined> | undefined;
  const serviceAccount = (): Promise<V1ServiceAccount | undefined> => (saPromise ??= resolver.serviceAccount(namespace, serviceAccountName));
  let podRole: { roleArn: string } | { problem: string } | undefined;
  const resolvePodRole = async (): Promise<{ roleArn: string } | { problem: string }> => {
    if (podRole !== undefined) return podRole;
    const sa = await serviceAccount();
    const ann = sa?.metadata?.annotations ?? {};
    const arn = ann[ROLE_ARN_ANNOTATION];
    const roleName = ann[ROLE_NAME_ANNOTATION];
    if (sa === undefined) podRole = { problem: `ServiceAccount ${saLabel} not found` };
    else if (arn !== undefined) {
      podRole = ROLE_ARN_RE.test(arn) ? { roleArn: arn } : { problem: `ServiceAccount ${saLabel} annotation ${ROLE_ARN_ANNOTATION}: invalid value ${JSON.stringify(arn)}; expected "acs:ram::<accountId>:role/<roleName>"` };
    } else if (roleName !== undefined) {
      if (!ROLE_NAME_RE.test(roleName)) podRole = { problem: `ServiceAccount ${saLabel} annotation ${ROLE_NAME_ANNOTATION}: invalid value ${JSON.stringify(roleName)}; expected a RAM role name (1-64 letters, digits, "." or "-")` };
      else if (settings.accountId === undefined) podRole = { problem: `ServiceAccount ${saLabel} annotation ${ROLE_NAME_ANNOTATION} needs the webhook setting accountId to build the role ARN; set accountId or use ${ROLE_ARN_ANNOTATION}` };
      else podRole = { roleArn: `acs:ram::${settings.accountId}:role/${roleName}` };
    } else {
      podRole = { problem: `ServiceAccount ${saLabel} has no RAM role: it lacks both annotation ${ROLE_ARN_ANNOTATION} (a role ARN) and ${ROLE_NAME_ANNOTATION} (a role name)` };
    }
    return podRole;
  };

  const rrsa = (id: string, roleArn: string, oidcProviderArn: string, auth: ProviderAuth | undefined, where: string): RrsaProfile => {
    const profile: RrsaProfile = { id, kind: 'rrsa', roleArn, oidcProviderArn, roleSessionName: sessionName(auth?.ramRoleSessionName, `${where}.ramRoleSessionName`) };
    const duration = sessionDuration(auth?.roleSessionExpiration, where);
    if (duration !== undefined) profile.durationSeconds = duration;
    addRemote(profile, auth, where);
    return profile;
  };
  const sessionName = (v: string | undefined, where: string): string => {
    if (v === undefined || v === '') return DEFAULT_SESSION_NAME;
    if (!SESSION_NAME_RE.test(v)) deny(DenialReason.INVALID_SECRET_STORE, `${where}: invalid value ${JSON.stringify(v)}; expected 2-64 letters, digits or ".@-_"`);
    return v;
  };
  const sessionDuration = (v: string | undefined, where: string): number | undefined => {
    if (v === undefined || v === '') return undefined;
    const s = /^\d+$/.test(v) ? Number(v) : parseDurationSeconds(v);
    if (s === undefined || s < DURATION_RANGE[0] || s > DURATION_RANGE[1]) {
      deny(DenialReason.INVALID_SECRET_STORE, `${where}.roleSessionExpiration: invalid value ${JSON.stringify(v)}; expected seconds or a Go duration from 900s to 12h`);
      return undefined;
    }
    return s;
  };
  const addRemote = (profile: RrsaProfile | AccessKeyProfile, auth: ProviderAuth | undefined, where: string): void => {
    const remote = auth?.remoteRamRoleARN;
    if (remote === undefined || remote === '') return;
    if (!ROLE_ARN_RE.test(remote)) deny(DenialReason.INVALID_SECRET_STORE, `${where}.remoteRamRoleARN: invalid value ${JSON.stringify(remote)}; expected "acs:ram::<accountId>:role/<roleName>"`);
    profile.remoteRoleArn = remote;
    profile.remoteRoleSessionName = sessionName(auth?.remoteRamRoleSessionName, `${where}.remoteRamRoleSessionName`);
  };
  const oidcArn = (auth: ProviderAuth, where: string): string => {
    const v = auth.oidcProviderARN;
    if (v === undefined || v === '') return settings.oidcProviderArn;
    if (!OIDC_PROVIDER_ARN_RE.test(v)) deny(DenialReason.INVALID_SECRET_STORE, `${where}.oidcProviderARN: invalid value ${JSON.stringify(v)}; expected "acs:ram::<accountId>:oidc-provider/<name>"`);
    return v;
  };
  const secretFile = (secretName: string, key: string): string => {
    let index = accessKeySecrets.findIndex((s) => s.secretName === secretName);
    if (index === -1) { accessKeySecrets.push({ secretName, keys: [] }); index = accessKeySecrets.length - 1; }
    const mount = accessKeySecrets[index] as AccessKeySecretMount;
    if (!mount.keys.includes(key)) mount.keys.push(key);
    return `${accessKeyMountDir(index)}/${key}`;
  };

  // 2. A store's auth → a profile id (the pod's role when the store gives no identity of its own).
  const storeProfiles = new Map<string, Promise<string | undefined>>();
  const usePodProfile = async (neededBy: string): Promise<string | undefined> => {
    podRoleNeededBy.push(neededBy);
    const role = await resolvePodRole();
    if ('problem' in role) return undefined;
    if (!profiles.has(POD_PROFILE_ID)) profiles.set(POD_PROFILE_ID, rrsa(POD_PROFILE_ID, role.roleArn, settings.oidcProviderArn, undefined, 'pod'));
    return POD_PROFILE_ID;
  };
  const profileForStore = async (id: string, auth: ProviderAuth | undefined, where: string, neededBy: string): Promise<string | undefined> => {
    const hasIdentity = auth !== undefined && [auth.serviceAccountRef, auth.ramRoleARN, auth.accessKey, auth.accessKeySecret].some((v) => v !== undefined && v !== '');
    if (!hasIdentity) {
      if (auth?.remoteRamRoleARN === undefined || auth.remoteRamRoleARN === '') return usePodProfile(neededBy);
      // The pod's role, chained to the store's remote (cross-account) role.
      podRoleNeededBy.push(neededBy);
      const role = await resolvePodRole();
      if ('problem' in role) return undefined;
      profiles.set(id, rrsa(id, role.roleArn, oidcArn(auth, where), auth, where));
      return id;
    }
    if (auth.oidcTokenFilePath !== undefined && auth.oidcTokenFilePath !== '') {
      warnings.push(`${where}.oidcTokenFilePath is ignored: the injector always uses the pod's own projected token`);
    }
    // 2a. serviceAccountRef: only the pod's own ServiceAccount, with the token audience we project.
    if (auth.serviceAccountRef !== undefined) {
      const p = checkServiceAccountRef(auth.serviceAccountRef, namespace, serviceAccountName, `${where}.serviceAccountRef`);
      if (p !== undefined) { problems.push(p); return undefined; }
      const audiences = auth.serviceAccountRef.audiences ?? [];
      if (audiences.length > 0 && !audiences.includes(settings.tokenAudience)) {
        deny(DenialReason.INVALID_SECRET_STORE, `${where}.serviceAccountRef.audiences: ${JSON.stringify(audiences)} does not include the webhook's token audience ${JSON.stringify(settings.tokenAudience)}`);
        return undefined;
      }
      podRoleNeededBy.push(neededBy);
      const role = await resolvePodRole();
      if ('problem' in role) return undefined;
      profiles.set(id, rrsa(id, role.roleArn, oidcArn(auth, where), auth, where));
      return id;
    }
    // 2b. AccessKey pair: both halves, Secrets in the pod's namespace.
    const ak = auth.accessKey;
    const sk = auth.accessKeySecret;
    if ((ak === undefined) !== (sk === undefined)) {
      deny(DenialReason.INVALID_SECRET_STORE, `${where}: accessKey and accessKeySecret must be given together; only ${ak === undefined ? 'accessKeySecret' : 'accessKey'} is set`);
      return undefined;
    }
    const ram = auth.ramRoleARN;
    if (ram !== undefined && ram !== '' && !ROLE_ARN_RE.test(ram)) {
      deny(DenialReason.INVALID_SECRET_STORE, `${where}.ramRoleARN: invalid value ${JSON.stringify(ram)}; expected "acs:ram::<accountId>:role/<roleName>"`);
      return undefined;
    }
    const explicitOidc = auth.oidcProviderARN !== undefined && auth.oidcProviderARN !== '';
    // 2c. RRSA with the store's role (ack-secret-manager prefers it when the OIDC ARN is explicit or no AK pair is complete).
    if (ram !== undefined && ram !== '' && (explicitOidc || ak === undefined)) {
      profiles.set(id, rrsa(id, ram, oidcArn(auth, where), auth, where));
      return id;
    }
    if (ak !== undefined && sk !== undefined) {
      const p1 = checkSecretKeyRef(ak, namespace, `${where}.accessKey`);
      const p2 = checkSecretKeyRef(sk, namespace, `${where}.accessKeySecret`);
      if (p1 !== undefined || p2 !== undefined) { problems.push(...[p1, p2].filter((x): x is Problem => x !== undefined)); return undefined; }
      const profile: AccessKeyProfile = { id, kind: 'accessKey', accessKeyIdFile: secretFile(ak.name, ak.key), accessKeySecretFile: secretFile(sk.name, sk.key) };
      if (ram !== undefined && ram !== '') {
        profile.roleArn = ram;
        profile.roleSessionName = sessionName(auth.ramRoleSessionName, `${where}.ramRoleSessionName`);
      }
      addRemote(profile, auth, where);
      profiles.set(id, profile);
      return id;
    }
    return usePodProfile(neededBy);
  };

  // 3. A data source's secretStoreRef → a profile id, resolving and checking the store once.
  const planStoreRef = async (source: DataSource, provider: Provider, esName: string, where: string): Promise<string | undefined> => {
    const ref = source.secretStoreRef;
    if (ref === undefined || ref === null) return usePodProfile(where);
    if (typeof ref.name !== 'string' || ref.name === '') { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.secretStoreRef.name: expected a store name, got ${JSON.stringify(ref.name)}`); return undefined; }
    const kind = ref.kind ?? 'SecretStore';
    if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore') {
      deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.secretStoreRef.kind: invalid value ${JSON.stringify(kind)}; expected "SecretStore" or "ClusterSecretStore"`);
      return undefined;
    }
    const nsProblem = checkStoreRefNamespace(ref, namespace, where);
    if (nsProblem !== undefined) { problems.push(nsProblem); return undefined; }
    const id = `${kind === 'SecretStore' ? 'secretstore' : 'clustersecretstore'}/${ref.name}/${provider}`;
    let pending = storeProfiles.get(id);
    if (pending === undefined) {
      pending = (async () => {
        const label = kind === 'SecretStore' ? `SecretStore ${namespace}/${ref.name}` : `ClusterSecretStore ${ref.name}`;
        let store: SecretStore | ClusterSecretStore | undefined;
        if (kind === 'SecretStore') store = await resolver.secretStore(namespace, ref.name);
        else {
          store = await resolver.clusterSecretStore(ref.name);
          if (store !== undefined) {
            const admission = clusterStoreAdmits(store, namespace, await resolver.namespace(namespace));
            if (!admission.admitted) { deny(DenialReason.CLUSTER_STORE_NOT_ALLOWED, `${where}: ${admission.reason}`); return undefined; }
          }
        }
        if (store === undefined) { deny(DenialReason.SECRET_STORE_NOT_FOUND, `${where}: ${label} not found`); return undefined; }
        const spec = store.spec ?? {};
        const section = provider === 'kms' ? spec.KMS : spec.OOS;
        if (section === undefined || section === null) {
          deny(DenialReason.INVALID_SECRET_STORE, `${where}: ${label} has no ${provider === 'kms' ? 'KMS' : 'OOS'} provider, but ExternalSecret ${esName} uses provider ${provider}`);
          return undefined;
        }
        const auth = provider === 'kms' ? (section as { KMSAuth?: ProviderAuth }).KMSAuth : (section as { OOSAuth?: ProviderAuth }).OOSAuth;
        return profileForStore(id, auth, `${label} spec.${provider === 'kms' ? 'KMS.KMSAuth' : 'OOS.OOSAuth'}`, where);
      })();
      storeProfiles.set(id, pending);
    }
    return pending;
  };

  // 4. One data source → the planned source (CRD fields copied, store ref replaced by a profile).
  const planSource = async (source: DataSource | undefined, provider: Provider, esName: string, where: string): Promise<PlannedDataSource | undefined> => {
    if (typeof source !== 'object' || source === null) { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}: expected an object`); return undefined; }
    let ok = true;
    if (typeof source.key !== 'string' || source.key === '') { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.key: required; expected the ${provider === 'kms' ? 'KMS secret name' : 'OOS parameter name'}`); ok = false; }
    for (const f of ['name', 'versionStage', 'versionId'] as const) {
      if (source[f] !== undefined && typeof source[f] !== 'string') { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.${f}: expected a string`); ok = false; }
    }
    for (const [i, j] of (source.jmesPath ?? []).entries()) {
      if (typeof j?.path !== 'string' || j.path === '') { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.jmesPath[${i}].path: required; expected a JMESPath expression`); ok = false; }
      if (j?.objectAlias !== undefined && typeof j.objectAlias !== 'string') { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.jmesPath[${i}].objectAlias: expected a string`); ok = false; }
    }
    if (source.kmsEndpoint !== undefined && source.kmsEndpoint !== '') {
      if (provider === 'oos') warnings.push(`${where}.kmsEndpoint is ignored for provider oos`);
      else if (!isAllowedKmsEndpoint(source.kmsEndpoint)) {
        deny(DenialReason.INVALID_KMS_ENDPOINT, `${where}.kmsEndpoint: invalid value ${JSON.stringify(source.kmsEndpoint)}; expected ${KMS_ENDPOINT_SYNTAX}`);
        ok = false;
      }
    }
    const profile = await planStoreRef(source, provider, esName, where);
    if (!ok || profile === undefined) return undefined;
    const planned: PlannedDataSource = { key: source.key, profile };
    if (source.name !== undefined && source.name !== '') planned.name = source.name;
    if (source.versionStage !== undefined && source.versionStage !== '') planned.versionStage = source.versionStage;
    if (source.versionId !== undefined && source.versionId !== '') planned.versionId = source.versionId;
    if (source.jmesPath !== undefined && source.jmesPath.length > 0) {
      planned.jmesPath = source.jmesPath.map((j) => (j.objectAlias === undefined ? { path: j.path } : { path: j.path, objectAlias: j.objectAlias }));
    }
    if (provider === 'kms' && source.kmsEndpoint !== undefined && source.kmsEndpoint !== '') planned.kmsEndpoint = source.kmsEndpoint.trim();
    return planned;
  };

  // 5. Every ExternalSecret, in annotation order.
  const resolved = await Promise.all(input.externalSecretNames.map(async (name) => [name, await resolver.externalSecret(namespace, name)] as const));
  const externalSecrets: PlannedExternalSecret[] = [];
  for (const [name, es] of resolved) {
    const plannedEs = await planExternalSecret(name, es);
    if (plannedEs !== undefined) externalSecrets.push(plannedEs);
  }
  async function planExternalSecret(name: string, es: ExternalSecret | undefined): Promise<PlannedExternalSecret | undefined> {
    const label = `ExternalSecret ${namespace}/${name}`;
    if (es === undefined) { deny(DenialReason.EXTERNAL_SECRET_NOT_FOUND, `${label} not found (named in annotation secret-injector.alibabacloud.com/external-secrets)`); return undefined; }
    const spec = es.spec;
    if (typeof spec !== 'object' || spec === null) { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${label}: has no spec`); return undefined; }
    const providerRaw = spec.provider === undefined || spec.provider === '' ? 'kms' : spec.provider;
    if (providerRaw !== 'kms' && providerRaw !== 'oos') { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${label} spec.provider: invalid value ${JSON.stringify(spec.provider)}; expected "kms" (default) or "oos"`); return undefined; }
    const provider: Provider = providerRaw;
    const data = Array.isArray(spec.data) ? spec.data : [];
    const dataProcess = Array.isArray(spec.dataProcess) ? spec.dataProcess : [];
    if (data.length === 0 && dataProcess.length === 0) { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${label}: has neither spec.data nor spec.dataProcess entries, so it would produce no files`); return undefined; }
    // Sequential on purpose: profile and AccessKey volume order must not depend on lookup timing,
    // so the same pod always gets the same patch.
    const plannedData: (PlannedDataSource | undefined)[] = [];
    for (const [i, d] of data.entries()) plannedData.push(await planSource(d, provider, name, `${label} spec.data[${i}]`));
    const plannedProcess: (PlannedDataProcess | undefined)[] = [];
    for (const [i, dp] of dataProcess.entries()) plannedProcess.push(await planProcess(dp, i));
    async function planProcess(dp: DataProcess | undefined, i: number): Promise<PlannedDataProcess | undefined> {
      const where = `${label} spec.dataProcess[${i}]`;
      const out: PlannedDataProcess = {};
      if (dp?.extract !== undefined) {
        const extract = await planSource(dp.extract, provider, name, `${where}.extract`);
        if (extract === undefined) return undefined;
        out.extract = extract;
      }
      if (dp?.replaceRule !== undefined) {
        const rules = Array.isArray(dp.replaceRule) ? dp.replaceRule : [];
        const bad = rules.findIndex((r) => typeof r?.source !== 'string' || typeof r.target !== 'string');
        if (!Array.isArray(dp.replaceRule) || bad !== -1) { deny(DenialReason.INVALID_EXTERNAL_SECRET, `${where}.replaceRule${bad === -1 ? '' : `[${bad}]`}: expected {source, target} strings`); return undefined; }
        out.replaceRule = rules.map((r) => ({ source: r.source, target: r.target }));
      }
      return out;
    }
    if (plannedData.some((d) => d === undefined) || plannedProcess.some((d) => d === undefined)) return undefined;
    return { name, provider, data: plannedData as PlannedDataSource[], dataProcess: plannedProcess as PlannedDataProcess[] };
  }

  // 6. One message for the missing role, naming what needed it.
  if (podRoleNeededBy.length > 0 && podRole !== undefined && 'problem' in podRole) {
    deny(DenialReason.NO_ROLE, `${podRole.problem}; the pod's role is needed by ${podRoleNeededBy.join(', ')} (or give the entry a SecretStore with its own ramRoleARN)`);
  }
  return { profiles: [...profiles.values()], externalSecrets, accessKeySecrets, warnings, problems };
}
