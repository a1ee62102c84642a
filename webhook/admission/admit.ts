/**
 * The admission decision: a function from an AdmissionReview (plus the Resolver and the settings)
 * to an AdmissionResponse, with no I/O of its own (STYLE.md item 1). The HTTPS server and the
 * offline `mutate` command both call exactly this.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { boundedList, clip, describeValue } from '../../common/excerpt.ts';
import { MAX_ANNOTATIONS_BYTES, MAX_INJECTOR_CONFIG_BYTES, MAX_LISTED_PROBLEMS, MAX_POD_CONTAINERS, MAX_POD_VOLUMES } from './limits.ts';
import { NAMESPACE_RE, type AdmissionReview, type AdmissionResponse } from './admission-review.ts';
import { parseAnnotations } from './annotations/parse.ts';
import { buildCredentialPlan } from './plan/credential-plan.ts';
import { decideLayout } from './injection-layout.ts';
import { encodePodInjectorConfig } from '../pod/injector-config.ts';
import { buildMutatedPod, hasHandoff } from '../pod/mutated-pod.ts';
import { buildPatch } from './patch.ts';
import { checkPodConflicts } from './pod-conflicts.ts';
import { podShapeProblem } from './pod-shape.ts';
import type { Resolver } from './resolver.ts';
import { allowed, denied, DenialReason, errored, patched, type Problem } from './response.ts';
import { buildSecurityContext, INJECTOR_GID } from '../pod/security-context.ts';
import type { Settings } from '../settings.ts';
import { shouldInject } from './should-inject.ts';
import { buildInjectorMounts } from '../pod/volumes.ts';

/**
 * `ns/name` of a pod for messages (`ns/prefix*` for generateName pods, which have no name yet).
 * Both parts clipped to 253 characters: the API server validates names only after mutating
 * admission, so a review may carry any length.
 */
export function podLabel(pod: V1Pod, namespace: string): string {
  const name = pod.metadata?.name ?? (pod.metadata?.generateName === undefined ? '' : `${pod.metadata.generateName}*`);
  return `${clip(namespace)}/${clip(String(name))}`;
}

/**
 * The one denial text on one line (events and kubectl show it as is): the exact number of
 * problems, the first MAX_LISTED_PROBLEMS numbered, then "… and N more", so the answer is bounded
 * whatever the pod holds.
 */
export function denialMessage(pod: V1Pod, namespace: string, problems: readonly string[]): string {
  const list = boundedList(problems.map((p, i) => [i + 1, p] as const), ([n, p]) => `(${n}) ${p}`, MAX_LISTED_PROBLEMS, '; ');
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

/**
 * Why the pod is over a size limit (limits.ts), from the lists' lengths and one pass over the
 * annotations, or undefined. Runs before anything else walks the pod, so an oversize pod costs
 * little more than its JSON parse.
 */
function podSizeProblem(pod: V1Pod): string | undefined {
  const spec = (pod as { spec?: unknown }).spec as Record<string, unknown> | undefined;
  const length = (v: unknown): number => (Array.isArray(v) ? v.length : 0);
  const containers = length(spec?.containers) + length(spec?.initContainers) + length(spec?.ephemeralContainers);
  if (containers > MAX_POD_CONTAINERS) return `the pod has ${containers} containers (init, app and ephemeral), over the limit of ${MAX_POD_CONTAINERS} for injected pods`;
  const volumes = length(spec?.volumes);
  if (volumes > MAX_POD_VOLUMES) return `the pod has ${volumes} volumes, over the limit of ${MAX_POD_VOLUMES} for injected pods`;
  const annotations: unknown = pod.metadata?.annotations;
  if (typeof annotations === 'object' && annotations !== null) {
    let bytes = 0;
    for (const [k, v] of Object.entries(annotations)) bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
    if (bytes > MAX_ANNOTATIONS_BYTES) return `the pod's annotations total ${bytes} bytes, over the API server's limit of ${MAX_ANNOTATIONS_BYTES} (TotalAnnotationSizeLimitB), so it would be refused anyway`;
  }
  return undefined;
}

/** Throws E_INPUT naming the first field of the pod that does not have the shape admission reads (pod-shape.ts). */
/** A ServiceAccount name: a DNS-1123 subdomain (apimachinery ValidateServiceAccountName), checked with the length apart. */
const SERVICE_ACCOUNT_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function assertPodShape(pod: V1Pod): void {
  const problem = podShapeProblem(pod);
  if (problem !== undefined) throw new InjectorError(ErrorCode.INPUT, `request.object is not a valid Pod: ${problem}`);
}

/**
 * Decides one review. Steps: 1. should we act at all (tagged skip reasons)? Then the input's
 * limits: a real namespace and ServiceAccount name, the pod's size (limits.ts, from list lengths
 * only), and the shape of the fields read (pod-shape.ts), so no later step meets a surprise.
 * 2. parse the
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
    const namespace = request.namespace || pod.metadata?.namespace || 'default';
    const serviceAccount = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
    // The API server sends only existing namespaces and ServiceAccounts (the ServiceAccount
    // admission plugin runs before webhooks); a forged name never reaches a lookup or a message.
    if (typeof namespace !== 'string' || !NAMESPACE_RE.test(namespace)) throw new InjectorError(ErrorCode.INPUT, `request.object is not a valid Pod: namespace ${describeValue(namespace)} is not a namespace name`);
    if (typeof serviceAccount !== 'string' || !SERVICE_ACCOUNT_RE.test(serviceAccount) || serviceAccount.length > 253) throw new InjectorError(ErrorCode.INPUT, `request.object is not a valid Pod: spec.serviceAccountName ${describeValue(serviceAccount)} is not a ServiceAccount name`);
    const tooLarge = podSizeProblem(pod);
    if (tooLarge !== undefined) return denied(uid, denialMessage(pod, namespace, [tooLarge]), DenialReason.POD_TOO_LARGE);
    assertPodShape(pod);
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
    const handoff = hasHandoff(layout);
    const configJson = encodePodInjectorConfig({ namespace, serviceAccount, options, plan, settings, handoff });
    const configBytes = Buffer.byteLength(configJson);
    if (configBytes > MAX_INJECTOR_CONFIG_BYTES) {
      return denied(uid, denialMessage(pod, namespace, [`the injector config for ${options.externalSecrets.length} ExternalSecret(s) is ${configBytes} bytes, over the limit of ${MAX_INJECTOR_CONFIG_BYTES}: it travels in one environment variable, and Linux cannot start a process with a longer one (MAX_ARG_STRLEN); split the ExternalSecrets over fewer entries or pods`]), DenialReason.INVALID_EXTERNAL_SECRET);
    }
    const mutated = buildMutatedPod({
      pod, options, layout, settings,
      accessKeySecrets: plan.accessKeySecrets,
      templateSources: plan.templateSources,
      container: {
        settings,
        configJson,
        mounts: buildInjectorMounts(options.mountPath, plan.accessKeySecrets, plan.templateSources, handoff),
        resources: options.resources,
        securityContext: buildSecurityContext({ runAsUser: conflicts.runAsUser, runAsGroup: options.fileGid ?? INJECTOR_GID }),
      },
    });
    return patched(uid, buildPatch(pod, mutated), [...layout.warnings, ...conflicts.warnings, ...plan.warnings]);
  } catch (err) {
    return errored(uid, err);
  }
}
