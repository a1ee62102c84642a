/**
 * Builds the mutated pod: a deep copy of the submitted pod with the volumes, mounts, injector
 * containers and the status annotation added. Only additions, always appended, so the patch is a
 * short list of `add` operations and the user's own ordering is untouched.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { Annotation, STATUS_INJECTED, type PodOptions } from './annotations.ts';
import { buildAgentContainer } from './agent-container.ts';
import type { InjectorContainerInputs } from './container-base.ts';
import type { InjectionLayout } from './injection-layout.ts';
import { buildInitContainer } from './init-container.ts';
import {
  buildAccessKeyVolume, buildAppMount, buildFilesVolume, buildTokenVolume, type AccessKeySecretMount,
} from './volumes.ts';
import type { Settings } from './settings.ts';

/** Everything the mutation needs, already decided and validated. */
export interface MutationInput {
  pod: V1Pod;
  options: PodOptions;
  layout: InjectionLayout;
  settings: Settings;
  accessKeySecrets: readonly AccessKeySecretMount[];
  /** Shared by both injector containers. */
  container: InjectorContainerInputs;
}

/**
 * Steps: 1. copy; 2. status annotation; 3. volumes (files, token, AccessKey Secrets); 4. the
 * read-only mount in the selected app containers; 5. init container, then the native agent after
 * it (appended to initContainers); 6. the classic agent (appended to containers); 7. a shared
 * process namespace when the agent signals an app process.
 */
export function buildMutatedPod(input: MutationInput): V1Pod {
  const { options, layout, settings } = input;
  // 1.
  const pod = structuredClone(input.pod);
  pod.metadata ??= {};
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  // 2.
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [Annotation.status]: STATUS_INJECTED };
  // 3.
  spec.volumes = [
    ...(spec.volumes ?? []),
    buildFilesVolume(),
    buildTokenVolume(settings.tokenAudience, settings.tokenExpirationSeconds),
    ...input.accessKeySecrets.map((m, i) => buildAccessKeyVolume(i, m)),
  ];
  // 4.
  for (const c of spec.containers) {
    if (options.containers.includes(c.name)) c.volumeMounts = [...(c.volumeMounts ?? []), buildAppMount(options.mountPath)];
  }
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
