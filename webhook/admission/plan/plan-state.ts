/**
 * What the credential planner accumulates while it walks a pod's ExternalSecrets: the problems
 * (each with its stable denial reason), the warnings, the credential profiles and the AccessKey
 * Secrets to mount. One object passed to every step, so each step is a plain function and the
 * insertion order (and therefore the patch) is the order the steps run in.
 */
import type { V1ServiceAccount } from '@kubernetes/client-node';
import type { CredentialProfile } from '../../../contract/injector-config-schema.ts';
import type { AccessKeySecretMount, TemplateSourceMount } from '../../pod/volumes.ts';
import { accessKeyMountDir } from '../../pod/volumes.ts';
import type { DenialReason, Problem } from '../response.ts';
import type { Resolver } from '../resolver.ts';
import type { Settings } from '../../settings.ts';

/** The pod's own RAM role, or why it has none (resolved once, on first need). */
export type PodRole = { roleArn: string } | { problem: string };

/** The planner's inputs and its running state. */
export interface PlanState {
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly resolver: Resolver;
  readonly settings: Settings;
  /** The pod's refresh-interval annotation is set: it overrides every rotationInterval. */
  readonly refreshIntervalFromAnnotation: boolean;
  /** The pod is init-only: nothing refreshes. */
  readonly initOnly: boolean;
  readonly problems: Problem[];
  readonly warnings: string[];
  /** By profile id, in first-use order. */
  readonly profiles: Map<string, CredentialProfile>;
  readonly accessKeySecrets: AccessKeySecretMount[];
  /** Dedicated KMS instance host → its CA from settings.kmsInstanceCAs, for the hosts this pod uses. */
  readonly kmsInstanceCas: Map<string, string>;
  /** ConfigMaps/Secrets named by templateFrom, each once, in first-use order. */
  readonly templateSources: TemplateSourceMount[];
  /** What needed the pod's own role, for the one "no role" message. */
  readonly podRoleNeededBy: string[];
  /** One pending resolution per store profile id, so each store is checked once. */
  readonly storeProfiles: Map<string, Promise<string | undefined>>;
  serviceAccount?: Promise<V1ServiceAccount | undefined>;
  podRole?: PodRole;
}

/** A fresh state for one pod. */
export function newPlanState(namespace: string, serviceAccountName: string, resolver: Resolver, settings: Settings, pod: { refreshIntervalFromAnnotation?: boolean; initOnly?: boolean } = {}): PlanState {
  return {
    namespace, serviceAccountName, resolver, settings,
    refreshIntervalFromAnnotation: pod.refreshIntervalFromAnnotation === true, initOnly: pod.initOnly === true,
    problems: [], warnings: [], profiles: new Map(), accessKeySecrets: [], kmsInstanceCas: new Map(), templateSources: [], podRoleNeededBy: [], storeProfiles: new Map(),
  };
}

/** Records a problem with its stable reason. */
export function deny(state: PlanState, reason: DenialReason, message: string): void {
  state.problems.push({ reason, message });
}

/**
 * The file an AccessKey Secret key is mounted at in the injector containers: one volume per
 * Secret (numbered by first use), each key listed once.
 */
export function accessKeySecretFile(state: PlanState, secretName: string, key: string): string {
  let index = state.accessKeySecrets.findIndex((s) => s.secretName === secretName);
  if (index === -1) { state.accessKeySecrets.push({ secretName, keys: [] }); index = state.accessKeySecrets.length - 1; }
  const mount = state.accessKeySecrets[index] as AccessKeySecretMount;
  if (!mount.keys.includes(key)) mount.keys.push(key);
  return `${accessKeyMountDir(index)}/${key}`;
}
