/**
 * Parses a pod's annotations by running the annotation table (table.ts) in order: each entry
 * reads its value into the draft options, then checks what involves other annotations. Every
 * annotation is checked and every problem reported at once (STYLE.md item 5); each message names
 * the annotation, the value and what is accepted.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { describeValue, quote } from '../../../common/excerpt.ts';
import type { Settings } from '../../settings.ts';
import { MAX_ANNOTATION_CHARS } from '../limits.ts';
import { DEFAULT_MOUNT_PATH, type ParsedAnnotations, type PodOptions } from './options.ts';
import { ANNOTATION_TABLE, type AnnotationContext, type Draft } from './table.ts';

export { DEFAULT_MOUNT_PATH, MODES, NOTIFY_SIGNALS, type Mode, type ParsedAnnotations, type PodOptions } from './options.ts';

/** The defaults before any annotation is read: the settings, all containers, the pod's fsGroup. */
function initialDraft(pod: V1Pod, settings: Settings, containerNames: readonly string[]): Draft {
  const draft: Draft = {
    externalSecrets: [], mode: 'sidecar', refreshIntervalSeconds: settings.defaultRefreshIntervalSeconds, refreshIntervalFromAnnotation: false,
    cleanupAfterFailures: settings.cleanupAfterFailures,
    mountPath: DEFAULT_MOUNT_PATH, containers: [...containerNames],
    resources: { requests: { ...settings.resources.requests }, limits: { ...settings.resources.limits } },
    fileMode: settings.fileMode, skipInit: false, resourcesValid: true,
  };
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  if (fsGroup !== undefined) draft.fileGid = fsGroup;
  return draft;
}

/** The options without the draft's working fields. */
function finish(draft: Draft): PodOptions {
  const { externalSecrets, mode, refreshIntervalSeconds, refreshIntervalFromAnnotation, cleanupAfterFailures, mountPath, containers, resources, fileMode, skipInit, fileGid, nativeSidecar, notify, initBudgetSeconds } = draft;
  return {
    externalSecrets, mode, refreshIntervalSeconds, refreshIntervalFromAnnotation, cleanupAfterFailures, mountPath, containers, resources, fileMode, skipInit,
    ...(fileGid === undefined ? {} : { fileGid }),
    ...(nativeSidecar === undefined ? {} : { nativeSidecar }),
    ...(notify === undefined ? {} : { notify }),
    ...(initBudgetSeconds === undefined ? {} : { initBudgetSeconds }),
  };
}

/**
 * Our annotations that can be read: strings of at most MAX_ANNOTATION_CHARS. A longer value (or,
 * in a review that did not come from the API server, a value that is not a string) is reported
 * with the limit named and then treated as absent, so no later step works on it (issue 13).
 */
function readableAnnotations(pod: V1Pod, problems: string[], refused: Set<string>): Record<string, string> {
  const given: unknown = pod.metadata?.annotations;
  if (given === undefined || given === null) return {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    problems.push(`metadata.annotations: expected a map of strings, got ${describeValue(given)}`);
    return {};
  }
  const readable: Record<string, string> = {};
  for (const entry of ANNOTATION_TABLE) {
    if (entry.kind !== 'annotation' || !Object.hasOwn(given, entry.key)) continue;
    const raw: unknown = (given as Record<string, unknown>)[entry.key];
    if (typeof raw !== 'string') problems.push(`annotation ${entry.key}: expected a string value, got ${describeValue(raw)}`);
    else if (raw.length > MAX_ANNOTATION_CHARS) problems.push(`annotation ${entry.key}: the value has ${raw.length} characters, over the limit of ${MAX_ANNOTATION_CHARS}; value starts ${quote(raw, 64)}`);
    else { readable[entry.key] = raw; continue; }
    refused.add(entry.key);
  }
  return readable;
}

/** Parses the pod's annotations against the settings; see the module comment. */
export function parseAnnotations(pod: V1Pod, settings: Settings): ParsedAnnotations {
  const problems: string[] = [];
  const refused = new Set<string>();
  const annotations = readableAnnotations(pod, problems, refused);
  const containerNames = (pod.spec?.containers ?? []).map((c) => c.name);
  const ctx: AnnotationContext = { pod, settings, annotations, refused, containerNames };
  const draft = initialDraft(pod, settings, containerNames);
  for (const entry of ANNOTATION_TABLE) {
    const raw = entry.kind === 'annotation' ? annotations[entry.key] : undefined;
    if (raw !== undefined && entry.read !== undefined) problems.push(...entry.read(raw, draft, ctx));
    if (entry.check !== undefined) problems.push(...entry.check(draft, ctx));
  }
  return { options: finish(draft), problems };
}
