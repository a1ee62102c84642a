/**
 * The credential plan of one pod: resolves its ExternalSecrets and their stores through the
 * Resolver, applies every isolation rule, and builds what the injector needs — the credential
 * profiles, the planned ExternalSecrets (store references replaced by profile ids) and the
 * AccessKey Secrets to mount. Every problem is collected, each with its stable denial reason, so
 * one denial lists them all. The steps, each in its own file:
 *
 * 1. external-secret-source.ts — each named ExternalSecret's spec: from a ClusterExternalSecret
 *    that provides it for the namespace, or the namespaced object, shape-checked;
 *    external-secret.ts — its provider, `data[]`, `dataProcess[]`, `rotationInterval`;
 * 2. data-source.ts     — each entry's fields, and its store reference planned by
 * 3. store-ref.ts       — the reference checked and the store resolved once, which gives
 * 4. store-identity.ts  — the identity the store's auth section means (profiles.ts builds it),
 *    or the pod's own role from pod-role.ts;
 * 5. one message for a missing pod role, naming everything that needed it.
 */
import type { CredentialProfile, PlannedExternalSecret } from '../../../contract/injector-config-schema.ts';
import type { AccessKeySecretMount, TemplateSourceMount } from '../../pod/volumes.ts';
import type { Problem } from '../response.ts';
import type { Resolver } from '../resolver.ts';
import type { Settings } from '../../settings.ts';
import { planExternalSecret } from './external-secret.ts';
import { resolveExternalSecretSource } from './external-secret-source.ts';
import { newPlanState } from './plan-state.ts';
import { denyMissingPodRole } from './pod-role.ts';

export { POD_PROFILE_ID, ROLE_ARN_ANNOTATION, ROLE_NAME_ANNOTATION } from './pod-role.ts';
export { DEFAULT_SESSION_NAME } from './profiles.ts';

/** What the planner needs. */
export interface PlanInput {
  namespace: string;
  serviceAccountName: string;
  externalSecretNames: readonly string[];
  resolver: Resolver;
  settings: Settings;
  /** The refresh-interval annotation is set (it overrides every rotationInterval). */
  refreshIntervalFromAnnotation?: boolean;
  /** The pod is init-only (rotationInterval has no effect). */
  initOnly?: boolean;
}

/** The result: usable only when `problems` is empty. */
export interface CredentialPlan {
  profiles: CredentialProfile[];
  externalSecrets: PlannedExternalSecret[];
  accessKeySecrets: AccessKeySecretMount[];
  /** Dedicated KMS instance host → CA PEM (settings.kmsInstanceCAs) for the hosts the pod uses. */
  kmsInstanceCas: Record<string, string>;
  templateSources: TemplateSourceMount[];
  warnings: string[];
  /** Each with its stable denial reason (response.ts DenialReason). */
  problems: Problem[];
}

/** Resolves, checks and plans; see the numbered steps above. */
export async function buildCredentialPlan(input: PlanInput): Promise<CredentialPlan> {
  const state = newPlanState(input.namespace, input.serviceAccountName, input.resolver, input.settings, {
    ...(input.refreshIntervalFromAnnotation === undefined ? {} : { refreshIntervalFromAnnotation: input.refreshIntervalFromAnnotation }),
    ...(input.initOnly === undefined ? {} : { initOnly: input.initOnly }),
  });
  const externalSecrets: PlannedExternalSecret[] = [];
  for (const name of input.externalSecretNames) {
    const source = await resolveExternalSecretSource(state, name);
    const planned = source === undefined ? undefined : await planExternalSecret(state, name, source);
    if (planned !== undefined) externalSecrets.push(planned);
  }
  denyMissingPodRole(state);
  return { profiles: [...state.profiles.values()], externalSecrets, accessKeySecrets: state.accessKeySecrets, kmsInstanceCas: Object.fromEntries(state.kmsInstanceCas), templateSources: state.templateSources, warnings: [...new Set(state.warnings)], problems: state.problems };
}
