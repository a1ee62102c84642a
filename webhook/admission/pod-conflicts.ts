/**
 * Checks of the pod spec against what the webhook is about to add: name clashes, the agent's
 * health port, and what signal notification needs (a shared process namespace and a non-root uid
 * shared with the target container). Each returns problem texts; admission reports them all.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { Annotation } from '../../contract/pod-annotations.ts';
import type { PodOptions } from './annotations/parse.ts';
import type { AgentKind } from './injection-layout.ts';
import type { Settings } from '../settings.ts';
import { INJECTOR_UID } from '../pod/security-context.ts';

const OUR_VOLUME_PREFIX = 'ack-secret-injector-';

/** What the injector containers must run as, and the problems found. */
export interface ConflictCheck {
  /** uid of both injector containers (they share the tmpfs folders, so they must be the same user). */
  runAsUser: number;
  problems: string[];
  warnings: string[];
}

/**
 * 1. No pod volume may use our volume name prefix. 2. No container may declare the agent's health
 * port (the pod shares one network namespace). 3. For notify-signal: the pod must not have
 * `shareProcessNamespace: false`, and the target container must run as a known non-root uid,
 * which the injector containers then share: without CAP_KILL a process may signal only processes
 * of its own uid (kill(2)), and added capabilities are not effective for non-root users
 * (kubernetes/kubernetes#56374). A hostNetwork pod only gets a warning: its health port is a
 * node port, which one pod per node (a DaemonSet) can use safely.
 */
export function checkPodConflicts(pod: V1Pod, options: PodOptions, agent: AgentKind, settings: Settings): ConflictCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const spec = pod.spec;
  for (const v of spec?.volumes ?? []) {
    if (v.name.startsWith(OUR_VOLUME_PREFIX)) problems.push(`pod volume ${JSON.stringify(v.name)} uses the name prefix ${JSON.stringify(OUR_VOLUME_PREFIX)} reserved for the injector's volumes; rename it`);
  }
  if (agent !== 'none') {
    if (spec?.hostNetwork === true) {
      warnings.push(`hostNetwork pod: the agent's health port ${settings.healthPort} is a node port, so a second injected hostNetwork pod on the same node cannot start its agent`);
    }
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      if ((c.ports ?? []).some((p) => p.containerPort === settings.healthPort)) {
        problems.push(`container ${JSON.stringify(c.name)} declares port ${settings.healthPort}, which the agent's health endpoint uses (webhook setting healthPort); change the container's port or the setting`);
      }
    }
  }
  let runAsUser = INJECTOR_UID;
  const signal = options.notify?.signal;
  if (signal !== undefined && agent !== 'none') {
    if (spec?.shareProcessNamespace === false) {
      problems.push(`annotation ${Annotation.notifySignal}: needs spec.shareProcessNamespace, but the pod sets it to false`);
    }
    const target = spec?.containers.find((c) => c.name === signal.container);
    const uid = target?.securityContext?.runAsUser ?? spec?.securityContext?.runAsUser;
    if (uid === undefined || uid === 0) {
      problems.push(`annotation ${Annotation.notifySignal}: the agent can signal container ${JSON.stringify(signal.container)} only as the same non-root user, but its runAsUser is ${uid === undefined ? 'not set' : '0 (root)'}; set securityContext.runAsUser to a non-root uid on the container or the pod`);
    } else runAsUser = uid;
  }
  return { runAsUser, problems, warnings };
}
