/**
 * Builds the mutated pod: the submitted pod with the volumes, mounts, injector containers and
 * the status annotation added. Only additions, always appended, so the patch is a short list of
 * `add` operations and the user's own ordering is untouched.
 *
 * The result shares every subtree it does not change with the submitted pod (copy on write along
 * the changed paths) instead of deep-copying it: the copy was the largest single cost of an
 * admission (docs/benchmarks.md, webhook profile), and shared subtrees are also where
 * fast-json-patch's `compare` stops at once (`obj === mirror`), so the diff walks only what changed.
 * Neither pod is modified afterwards; treat both as read-only.
 */
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { Annotation, STATUS_INJECTED } from '../../contract/pod-annotations.ts';
import type { PodOptions } from '../admission/annotations/parse.ts';
import { buildAgentContainer } from './agent-container.ts';
import type { InjectorContainerInputs } from './container-base.ts';
import type { InjectionLayout } from '../admission/injection-layout.ts';
import { buildInitContainer } from './init-container.ts';
import {
  buildAccessKeyVolume, buildAppMount, buildFilesVolume, buildHandoffVolume, buildTemplateVolume, buildTokenVolume, type AccessKeySecretMount, type TemplateSourceMount,
} from './volumes.ts';
import type { Settings } from '../settings.ts';

/** Everything the mutation needs, already decided and validated. */
export interface MutationInput {
  pod: V1Pod;
  options: PodOptions;
  layout: InjectionLayout;
  settings: Settings;
  accessKeySecrets: readonly AccessKeySecretMount[];
  /** ConfigMaps/Secrets holding templateFrom templates (mounted into the injector containers only). */
  templateSources?: readonly TemplateSourceMount[];
  /** Shared by both injector containers. */
  container: InjectorContainerInputs;
}

/**
 * Steps: 1. shallow copies of the pod, its metadata and its spec (everything below them stays
 * shared until a step replaces it); 2. status annotation; 3. volumes (files, token, AccessKey
 * Secrets); 4. the read-only mount in the selected app containers (a new object for each of those
 * containers, the others stay shared); 5. init container, then the native agent after it
 * (appended to initContainers); 6. the classic agent (appended to containers); 7. a shared
 * process namespace when the agent signals an app process. Every list is a new array, so the
 * submitted pod is never modified.
 */
/** Whether the pod gets the init → agent handoff: it has both an init container and an agent. */
export function hasHandoff(layout: Pick<InjectionLayout, 'init' | 'agent'>): boolean {
  return layout.init && layout.agent !== 'none';
}

export function buildMutatedPod(input: MutationInput): V1Pod {
  const { options, layout, settings } = input;
  // 1.
  const pod: V1Pod = { ...input.pod, metadata: { ...(input.pod.metadata ?? {}) } };
  const spec: V1PodSpec = { ...(input.pod.spec ?? { containers: [] }) };
  pod.spec = spec;
  const metadata = pod.metadata ?? {};
  // 2.
  metadata.annotations = { ...(metadata.annotations ?? {}), [Annotation.status]: STATUS_INJECTED };
  // 3.
  spec.volumes = [
    ...(spec.volumes ?? []),
    buildFilesVolume(),
    buildTokenVolume(settings.tokenAudience, settings.tokenExpirationSeconds),
    ...(hasHandoff(layout) ? [buildHandoffVolume()] : []),
    ...input.accessKeySecrets.map((m, i) => buildAccessKeyVolume(i, m)),
    ...(input.templateSources ?? []).map((m, i) => buildTemplateVolume(i, m)),
  ];
  // 4.
  const selected = new Set(options.containers); // a set: one lookup per container, linear in the pod (issue 13, defect 2)
  spec.containers = spec.containers.map((c) => (selected.has(c.name)
    ? { ...c, volumeMounts: [...(c.volumeMounts ?? []), buildAppMount(options.mountPath)] }
    : c));
  // 5.
  const inits: V1Container[] = [];
  if (layout.init) inits.push(buildInitContainer(input.container));
  if (layout.agent === 'native') inits.push(buildAgentContainer(input.container, true));
  if (inits.length > 0) spec.initContainers = [...(spec.initContainers ?? []), ...inits];
  // 6.
  if (layout.agent === 'classic') spec.containers = [...spec.containers, buildAgentContainer(input.container, false)];
  // 7.
  if (options.notify?.signal !== undefined && layout.agent !== 'none') spec.shareProcessNamespace = true;
  return pod;
}
