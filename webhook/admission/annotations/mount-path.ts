/**
 * The mount-path annotation's rules: a normalised absolute path that shadows no system folder,
 * nothing under the kernel's and the kubelet's own trees or the injector's private paths, and no
 * path a selected container already mounts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { Annotation } from '../../../contract/pod-annotations.ts';
import { INJECTOR_PATH_PREFIX } from '../../pod/volumes.ts';
import { invalid } from './table-format.ts';

/**
 * Paths an app mount must never shadow: the OS folders and the kubelet's ServiceAccount mount.
 * Shadowing them would break the container in ways the user would not link to this webhook.
 */
const RESERVED_PATHS = [
  '/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/root', '/sbin', '/sys', '/usr', '/tmp',
  '/var', '/var/run', '/run', '/var/run/secrets', '/var/run/secrets/kubernetes.io',
  '/var/run/secrets/kubernetes.io/serviceaccount',
];
const NO_NESTING_UNDER = ['/proc', '/sys', '/dev', '/var/run/secrets/kubernetes.io', INJECTOR_PATH_PREFIX];

/** The docs column of the table. */
export const MOUNT_PATH_ACCEPTED_DOC = 'absolute path; no `.`/`..`/empty segments, no trailing `/`; '
  + `not a system folder (${RESERVED_PATHS.map((p) => `\`${p}\``).join(', ')}), not under ${NO_NESTING_UNDER.map((p) => `\`${p}\``).join(', ')}; `
  + 'not a path a selected container already mounts';

/** The problem with a mount-path value, if any. */
export function mountPathProblem(raw: string): string | undefined {
  const segments = raw.split('/').slice(1);
  const normalised = raw.startsWith('/') && raw.length <= 1024 && segments.every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\0'));
  if (normalised && !RESERVED_PATHS.includes(raw) && !NO_NESTING_UNDER.some((d) => raw === d || raw.startsWith(`${d}/`))) return undefined;
  const accepted = `an absolute path without "." or ".." segments, empty segments or a trailing slash, not a system folder (${RESERVED_PATHS.join(', ')}) and not under ${NO_NESTING_UNDER.join(', ')}`;
  return invalid(Annotation.mountPath, raw, accepted);
}

/** A selected container that already mounts something at the mount path. */
export function checkMountPathConflicts(pod: V1Pod, containers: readonly string[], mountPath: string): string[] {
  const problems: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    if (!containers.includes(c.name)) continue;
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === mountPath || m.mountPath === `${mountPath}/`)) {
      problems.push(`annotation ${Annotation.mountPath}: container ${JSON.stringify(c.name)} already mounts a volume at ${JSON.stringify(mountPath)}; choose another path with ${Annotation.mountPath}`);
    }
  }
  return problems;
}
