/**
 * The credential plan of one pod: resolves its ExternalSecrets and their stores through the
 * Resolver, applies every isolation rule, and builds what the injector needs — the credential
 * profiles, the planned ExternalSecrets (store references replaced by profile ids) and the
 * AccessKey Secrets to mount. Every problem is collected, each with its stable denial reason, so
 * one denial lists them all. The steps, each in its own file:
 *
 * 1. external-secret.ts — each named ExternalSecret: provider, `data[]`, `dataProcess[]`;
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
}

/** The result: usable only when `problems` is empty. */
export interface CredentialPlan {
  profiles: CredentialProfile[];
  externalSecrets: PlannedExternalSecret[];
  accessKeySecrets: AccessKeySecretMount[];
  templateSources: TemplateSourceMount[];
  warnings: string[];
  /** Each with its stable denial reason (response.ts DenialReason). */
  problems: Problem[];
}

/** Resolves, checks and plans; see the numbered steps above. */
export async function buildCredentialPlan(input: PlanInput): Promise<CredentialPlan> {
  const state = newPlanState(input.namespace, input.serviceAccountName, input.resolver, input.settings);
  const resolved = await Promise.all(input.externalSecretNames.map(async (name) => [name, await input.resolver.externalSecret(input.namespace, name)] as const));
  const externalSecrets: PlannedExternalSecret[] = [];
  for (const [name, es] of resolved) {
    const planned = await planExternalSecret(state, name, es);
    if (planned !== undefined) externalSecrets.push(planned);
  }
  denyMissingPodRole(state);
  return { profiles: [...state.profiles.values()], externalSecrets, accessKeySecrets: state.accessKeySecrets, templateSources: state.templateSources, warnings: state.warnings, problems: state.problems };
}
