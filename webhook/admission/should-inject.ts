/**
 * Whether a request is ours to mutate. Idempotence and self-protection come first (STYLE.md item
 * 4): with `reinvocationPolicy: IfNeeded` the API server may call the webhook again with the
 * already-patched pod, which must pass through unchanged.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { AdmissionRequest } from './admission-review.ts';
import { Annotation, INJECT_LABEL, STATUS_INJECTED } from '../../contract/pod-annotations.ts';
import { AGENT_CONTAINER_NAME } from '../pod/agent-container.ts';
import { INIT_CONTAINER_NAME } from '../pod/init-container.ts';

/** Why a request is left alone. */
export const SKIP_REASONS = ['not-a-pod', 'not-create', 'not-opted-in', 'already-injected'] as const;
/** One of SKIP_REASONS. */
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Tagged result: the pod to inject, or why not. */
export type ShouldInject = { inject: true; pod: V1Pod } | { inject: false; reason: SkipReason };

/**
 * Decides in this order: 1. a Pod (core/v1 `pods`, no subresource)? 2. CREATE? 3. opted in with
 * the label value "true" exactly? 4. not already injected (status annotation, or one of our
 * containers already present, e.g. added by hand or by an older release)?
 */
export function shouldInject(request: AdmissionRequest): ShouldInject {
  const { kind, resource } = request;
  const object = request.object;
  if (kind.group !== '' || kind.kind !== 'Pod' || resource.resource !== 'pods' || (request.subResource ?? '') !== ''
    || typeof object !== 'object' || object === null) {
    return { inject: false, reason: 'not-a-pod' };
  }
  if (request.operation !== 'CREATE') return { inject: false, reason: 'not-create' };
  const pod = object as V1Pod;
  if (pod.metadata?.labels?.[INJECT_LABEL] !== 'true') return { inject: false, reason: 'not-opted-in' };
  if (pod.metadata?.annotations?.[Annotation.status] === STATUS_INJECTED) return { inject: false, reason: 'already-injected' };
  const ours = new Set([INIT_CONTAINER_NAME, AGENT_CONTAINER_NAME]);
  // Read defensively: the pod's shape is checked after this (admit.ts), and a forged review may hold anything here.
  const lists: unknown[] = [pod.spec?.initContainers, pod.spec?.containers];
  if (lists.some((l) => Array.isArray(l) && l.some((c: unknown) => typeof c === 'object' && c !== null && ours.has((c as { name?: unknown }).name as string)))) {
    return { inject: false, reason: 'already-injected' };
  }
  return { inject: true, pod };
}
