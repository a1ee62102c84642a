/**
 * The admission decision: a function from an AdmissionReview (plus the Resolver and the settings)
 * to an AdmissionResponse, with no I/O of its own (STYLE.md item 1). The HTTPS server and the
 * offline `mutate` command both call exactly this.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { AdmissionReview, AdmissionResponse } from './admission-review.ts';
import { parseAnnotations } from './annotations/parse.ts';
import { buildCredentialPlan } from './plan/credential-plan.ts';
import { decideLayout } from './injection-layout.ts';
import { encodePodInjectorConfig } from '../pod/injector-config.ts';
import { buildMutatedPod } from '../pod/mutated-pod.ts';
import { buildPatch } from './patch.ts';
import { checkPodConflicts } from './pod-conflicts.ts';
import type { Resolver } from './resolver.ts';
import { allowed, denied, DenialReason, errored, patched, type Problem } from './response.ts';
import { buildSecurityContext, INJECTOR_GID } from '../pod/security-context.ts';
import type { Settings } from '../settings.ts';
import { shouldInject } from './should-inject.ts';
import { buildInjectorMounts } from '../pod/volumes.ts';

/** `ns/name` of a pod for messages (`ns/prefix*` for generateName pods, which have no name yet). */
export function podLabel(pod: V1Pod, namespace: string): string {
  const name = pod.metadata?.name ?? (pod.metadata?.generateName === undefined ? '' : `${pod.metadata.generateName}*`);
  return `${namespace}/${name}`;
}

/** The one denial text: every problem, numbered, on one line (events and kubectl show it as is). */
export function denialMessage(pod: V1Pod, namespace: string, problems: readonly string[]): string {
  const list = problems.map((p, i) => `(${i + 1}) ${p}`).join('; ');
  return `ack-secret-injector cannot inject pod ${podLabel(pod, namespace)}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${list}`;
}

/**
 * Tags plain problem texts with one reason: every annotation and layout problem is an
 * `invalid-annotation` (the layout only refuses an annotation combination), every pod-spec check
 * a `pod-conflict`.
 */
function tagged(reason: DenialReason, messages: readonly string[]): Problem[] {
  return messages.map((message) => ({ reason, message }));
}

function assertPodShape(pod: V1Pod): void {
  const containers = (pod as { spec?: { containers?: unknown } }).spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0 || !containers.every((c) => typeof c === 'object' && c !== null && typeof (c as { name?: unknown }).name === 'string')) {
    throw new InjectorError(ErrorCode.INPUT, 'request.object is not a valid Pod: spec.containers must be a non-empty list of named containers');
  }
}

/**
 * Decides one review. Steps: 1. should we act at all (tagged skip reasons)? 2. parse the
 * annotations (a bad value falls back to its default so the later steps still run and the
 * denial lists their problems too); 3. decide the layout (init, classic or native agent); 4. check the pod against what
 * will be added; 5. resolve ExternalSecrets and stores, check isolation, plan credentials;
 * 6. deny with every problem (the response's reason is the first problem's, so the reason
 * always names a concrete kind and the message lists the rest), or 7. build the config, the mutated pod and the patch. Anything
 * thrown becomes `errored` with the request uid.
 */
export async function admit(review: AdmissionReview, resolver: Resolver, settings: Readonly<Settings>): Promise<AdmissionResponse> {
  const uid = review.request?.uid ?? '';
  try {
    const request = review.request;
    if (request === undefined) throw new InjectorError(ErrorCode.INPUT, 'AdmissionReview has no request');
    // 1.
    const decision = shouldInject(request);
    if (!decision.inject) return allowed(uid);
    const pod = decision.pod;
    assertPodShape(pod);
    const namespace = request.namespace || pod.metadata?.namespace || 'default';
    const serviceAccount = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
    // 2.
    const parsed = parseAnnotations(pod, settings);
    const options = parsed.options;
    // 3.
    const layout = decideLayout(pod, options, settings);
    // 4.
    const conflicts = checkPodConflicts(pod, options, layout.agent, settings);
    // 5.
    const plan = await buildCredentialPlan({ namespace, serviceAccountName: serviceAccount, externalSecretNames: options.externalSecrets, resolver, settings, refreshIntervalFromAnnotation: options.refreshIntervalFromAnnotation, initOnly: options.mode === 'init-only' });
    // 6.
    const problems = [
      ...tagged(DenialReason.INVALID_ANNOTATION, [...parsed.problems, ...layout.problems]),
      ...tagged(DenialReason.POD_CONFLICT, conflicts.problems),
      ...plan.problems,
    ];
    const first = problems[0];
    if (first !== undefined) return denied(uid, denialMessage(pod, namespace, problems.map((p) => p.message)), first.reason);
    // 7.
    const configJson = encodePodInjectorConfig({ namespace, serviceAccount, options, plan, settings });
    const mutated = buildMutatedPod({
      pod, options, layout, settings,
      accessKeySecrets: plan.accessKeySecrets,
      templateSources: plan.templateSources,
      container: {
        settings,
        configJson,
        mounts: buildInjectorMounts(options.mountPath, plan.accessKeySecrets, plan.templateSources),
        resources: options.resources,
        securityContext: buildSecurityContext({ runAsUser: conflicts.runAsUser, runAsGroup: options.fileGid ?? INJECTOR_GID }),
      },
    });
    return patched(uid, buildPatch(pod, mutated), [...layout.warnings, ...conflicts.warnings, ...plan.warnings]);
  } catch (err) {
    return errored(uid, err);
  }
}
