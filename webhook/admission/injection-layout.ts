/**
 * Which injector containers a pod gets: the init container, and the agent as a classic sidecar,
 * a native sidecar, or not at all. Pods that run to completion (Jobs) never get a classic
 * sidecar, since a container that never exits keeps them from completing (vault-k8s #120, #217).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { Annotation } from '../../contract/pod-annotations.ts';
import type { PodOptions } from './annotations/parse.ts';
import { clusterSupportsNativeSidecar, type Settings } from '../settings.ts';

/** Where the agent runs: a classic container, a native sidecar (restartable init container), or nowhere. */
export type AgentKind = 'classic' | 'native' | 'none';

/** The decision, its warnings for the AdmissionResponse, and problems that deny the pod. */
export interface InjectionLayout {
  init: boolean;
  agent: AgentKind;
  warnings: string[];
  problems: string[];
}

/** The owning Job's name when the pod is created by a Job (a CronJob's pods are too). */
export function owningJob(pod: V1Pod): string | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.kind === 'Job' && o.apiVersion.startsWith('batch/'))?.name;
}

/**
 * Why the pod is expected to run to completion, or undefined for a long-running pod: owned by a
 * Job, or `restartPolicy` Never/OnFailure (bare batch pods such as Argo Workflows or Tekton steps
 * are not owned by Jobs but end the same way).
 */
export function runToCompletion(pod: V1Pod): string | undefined {
  const job = owningJob(pod);
  if (job !== undefined) return `pod of Job ${job}`;
  const policy = pod.spec?.restartPolicy;
  if (policy === 'Never' || policy === 'OnFailure') return `pod with restartPolicy ${policy}`;
  return undefined;
}

/**
 * Decides in order: 1. native sidecars on? (annotation, else settings and server version);
 * 2. init-only mode → no agent; 3. a pod that runs to completion (a Job's) → native agent if
 * possible, else none with a warning; 4. otherwise native or classic; 5. skip-init only when the
 * agent is native.
 */
export function decideLayout(pod: V1Pod, options: PodOptions, settings: Settings): InjectionLayout {
  const warnings: string[] = [];
  const problems: string[] = [];
  const native = options.nativeSidecar ?? clusterSupportsNativeSidecar(settings);
  const finite = runToCompletion(pod);
  let agent: AgentKind;
  if (options.mode === 'init-only') agent = 'none';
  else if (native) agent = 'native';
  else if (finite !== undefined) {
    agent = 'none';
    warnings.push(`${finite}: secrets are fetched once (init-only) since a classic sidecar would keep the pod from completing and native sidecars are off`);
    if (options.notify !== undefined) warnings.push('notify annotations have no effect without the refreshing agent');
  } else agent = 'classic';
  let init = true;
  if (options.skipInit) {
    if (agent === 'native') init = false;
    else {
      problems.push(`annotation ${Annotation.skipInit}: "true" needs the agent to run as a native sidecar (Kubernetes 1.29+), but this pod gets ${agent === 'classic' ? 'a classic sidecar' : 'no agent'}; set ${Annotation.nativeSidecar}: "true" or drop ${Annotation.skipInit}`);
    }
  }
  return { init, agent, warnings, problems };
}
