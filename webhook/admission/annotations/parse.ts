/**
 * Parses a pod's annotations by running the annotation table (table.ts) in order: each entry
 * reads its value into the draft options, then checks what involves other annotations. Every
 * annotation is checked and every problem reported at once (STYLE.md item 5); each message names
 * the annotation, the value and what is accepted.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Settings } from '../../settings.ts';
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
  const { externalSecrets, mode, refreshIntervalSeconds, refreshIntervalFromAnnotation, cleanupAfterFailures, mountPath, containers, resources, fileMode, skipInit, fileGid, nativeSidecar, notify } = draft;
  return {
    externalSecrets, mode, refreshIntervalSeconds, refreshIntervalFromAnnotation, cleanupAfterFailures, mountPath, containers, resources, fileMode, skipInit,
    ...(fileGid === undefined ? {} : { fileGid }),
    ...(nativeSidecar === undefined ? {} : { nativeSidecar }),
    ...(notify === undefined ? {} : { notify }),
  };
}

/** Parses the pod's annotations against the settings; see the module comment. */
export function parseAnnotations(pod: V1Pod, settings: Settings): ParsedAnnotations {
  const annotations = pod.metadata?.annotations ?? {};
  const containerNames = (pod.spec?.containers ?? []).map((c) => c.name);
  const ctx: AnnotationContext = { pod, settings, annotations, containerNames };
  const draft = initialDraft(pod, settings, containerNames);
  const problems: string[] = [];
  for (const entry of ANNOTATION_TABLE) {
    const raw = entry.kind === 'annotation' ? annotations[entry.key] : undefined;
    if (raw !== undefined && entry.read !== undefined) problems.push(...entry.read(raw, draft, ctx));
    if (entry.check !== undefined) problems.push(...entry.check(draft, ctx));
  }
  return { options: finish(draft), problems };
}
