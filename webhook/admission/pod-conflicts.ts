/**
 * Checks of the pod spec against what the webhook is about to add: name clashes, the agent's
 * health port, and what signal notification needs (a shared process namespace and a non-root uid
 * shared with the target container). Each returns problem texts; admission reports them all.
 */
import type { V1Container, V1EphemeralContainer, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { LIST_ITEM_CHARS, LIST_ITEMS, boundedList, quote } from '../../common/excerpt.ts';
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

/** A container of any of the pod's lists, with where it is for messages. */
interface PlacedContainer {
  list: 'initContainers' | 'containers' | 'ephemeralContainers';
  container: V1Container | V1EphemeralContainer;
}

/** Every container of the pod: init, app and ephemeral, in that order. One pass, no copies of the lists' items. */
function allContainers(spec: V1PodSpec | undefined): PlacedContainer[] {
  const placed: PlacedContainer[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const container of spec?.[list] ?? []) placed.push({ list, container });
  }
  return placed;
}

/**
 * Every reference to a volume with our prefix, from a `volumeMounts` or `volumeDevices` entry of
 * any container. Such a pod would mount the injector's volumes once they are added: the token
 * the injector trades for the role's credentials, the AccessKey Secrets, or the files volume
 * read-write (issue 13, defect 5). Only the pod's `spec.volumes` names used to be checked.
 */
function reservedVolumeReferences(spec: V1PodSpec | undefined): Array<{ at: PlacedContainer; field: string; name: string }> {
  const refs: Array<{ at: PlacedContainer; field: string; name: string }> = [];
  for (const at of allContainers(spec)) {
    for (const field of ['volumeMounts', 'volumeDevices'] as const) {
      for (const m of at.container[field as 'volumeMounts'] ?? []) {
        if (m.name.startsWith(OUR_VOLUME_PREFIX)) refs.push({ at, field, name: m.name });
      }
    }
  }
  return refs;
}

/**
 * 1. No pod volume may use our volume name prefix, and no container of any list may mount or
 * attach a volume with it (volumeMounts, volumeDevices). 2. No container may declare the agent's
 * health port (the pod shares one network namespace). 3. For notify-signal: the pod must not have
 * `shareProcessNamespace: false`, and the target container must run as a known non-root uid,
 * which the injector containers then share: without CAP_KILL a process may signal only processes
 * of its own uid (kill(2)), and added capabilities are not effective for non-root users
 * (kubernetes/kubernetes#56374). A hostNetwork pod only gets a warning: its health port is a
 * node port, which one pod per node (a DaemonSet) can use safely. Each check yields at most one
 * problem naming a bounded list of offenders, so the work and the message are linear in the pod.
 */
export function checkPodConflicts(pod: V1Pod, options: PodOptions, agent: AgentKind, settings: Settings): ConflictCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const spec = pod.spec;
  // 1.
  const volumes = (spec?.volumes ?? []).filter((v) => v.name.startsWith(OUR_VOLUME_PREFIX));
  if (volumes.length > 0) problems.push(`pod volume${volumes.length === 1 ? '' : 's'} ${boundedList(volumes, (v) => quote(v.name, LIST_ITEM_CHARS))} use${volumes.length === 1 ? 's' : ''} the name prefix ${JSON.stringify(OUR_VOLUME_PREFIX)} reserved for the injector's volumes; rename ${volumes.length === 1 ? 'it' : 'them'}`);
  const refs = reservedVolumeReferences(spec);
  if (refs.length > 0) problems.push(`${boundedList(refs, (r) => `${r.at.list} ${quote(r.at.container.name, LIST_ITEM_CHARS)} ${r.field} ${quote(r.name, LIST_ITEM_CHARS)}`, LIST_ITEMS, '; ')}: the name prefix ${JSON.stringify(OUR_VOLUME_PREFIX)} is reserved for the injector's volumes (its token, AccessKey Secrets and files), which only the webhook mounts; remove ${refs.length === 1 ? 'this mount' : 'these mounts'}`);
  // 2.
  if (agent !== 'none') {
    if (spec?.hostNetwork === true) {
      warnings.push(`hostNetwork pod: the agent's health port ${settings.healthPort} is a node port, so a second injected hostNetwork pod on the same node cannot start its agent`);
    }
    const clashing = allContainers(spec).filter(({ list, container }) => list !== 'ephemeralContainers' && ((container as V1Container).ports ?? []).some((p) => p.containerPort === settings.healthPort));
    if (clashing.length > 0) {
      const one = clashing.length === 1;
      problems.push(`container${one ? '' : 's'} ${boundedList(clashing, (c) => quote(c.container.name, LIST_ITEM_CHARS))} declare${one ? 's' : ''} port ${settings.healthPort}, which the agent's health endpoint uses (webhook setting healthPort); change the container's port or the setting`);
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
      problems.push(`annotation ${Annotation.notifySignal}: the agent can signal container ${quote(signal.container)} only as the same non-root user, but its runAsUser is ${uid === undefined ? 'not set' : '0 (root)'}; set securityContext.runAsUser to a non-root uid on the container or the pod`);
    } else runAsUser = uid;
  }
  return { runAsUser, problems, warnings };
}
