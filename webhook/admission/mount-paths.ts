/**
 * Where the files volume may be mounted. The mount goes into the selected app containers and into
 * both injector containers, so a path is refused when it would shadow a folder the OS, the kubelet
 * or the injector itself needs. Paths are compared in canonical form: `.`/`..`/empty segments
 * resolved and `/var/run` read as `/run`, since `/var/run` is a symlink to `/run` in every common
 * base image (FHS 3.0 §5.13; Debian, Alpine, distroless), so `/run/secrets/kubernetes.io/...`
 * is the ServiceAccount mount as surely as `/var/run/secrets/kubernetes.io/...` (issue 13,
 * defect 6).
 */
import { posix } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { LIST_ITEMS, boundedList, quote } from '../../common/excerpt.ts';
import { Annotation } from '../../contract/pod-annotations.ts';
import type { PodOptions } from './annotations/parse.ts';
import { INJECTOR_PATH_PREFIX } from '../pod/volumes.ts';
import type { Settings } from '../settings.ts';

/**
 * Folders a mount must never be placed on: the OS folders and the kubelet's ServiceAccount mount.
 * Shadowing them would break the container in ways the user would not link to this webhook.
 */
export const RESERVED_PATHS: readonly string[] = [
  '/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/root', '/sbin', '/sys', '/usr', '/tmp',
  '/var', '/var/run', '/run', '/var/run/secrets', '/var/run/secrets/kubernetes.io',
  '/var/run/secrets/kubernetes.io/serviceaccount',
];

/** Folders a mount must not be placed in, at any depth: kernel file systems, the kubelet's and the injector's own secrets. */
export const NO_NESTING_UNDER: readonly string[] = ['/proc', '/sys', '/dev', '/var/run/secrets/kubernetes.io', INJECTOR_PATH_PREFIX];

/**
 * `path` in canonical form for comparisons: absolute, `.`, `..` and empty segments resolved (as
 * the kernel resolves them), no trailing slash, and a leading `/var/run` replaced by `/run`.
 * Linear in the length of `path`.
 */
export function canonicalPath(path: string): string {
  const normal = posix.normalize(`/${path}`).replace(/\/+$/, '') || '/';
  return normal === '/var/run' || normal.startsWith('/var/run/') ? normal.slice('/var'.length) : normal;
}

/** True when `path` is `dir` or inside it (both canonical). */
function within(path: string, dir: string): boolean {
  return path === dir || dir === '/' || path.startsWith(`${dir}/`);
}

/**
 * The folders of the injector image's own program (every absolute path in
 * settings.injectorCommand: `/nodejs/bin` for the node binary, `/app/dist` for the bundle and its
 * chunks), canonical. A mount on one of them, above one, or inside one hides the program or its
 * chunks, and the injector containers could never start.
 */
export function injectorProgramDirs(settings: Pick<Settings, 'injectorCommand'>): string[] {
  return settings.injectorCommand.filter((arg) => arg.startsWith('/')).map((arg) => canonicalPath(posix.dirname(arg)));
}

/**
 * Why `mountPath` (already known to be absolute and normalised) cannot hold the files, or
 * undefined when it can. Checked in canonical form against RESERVED_PATHS, NO_NESTING_UNDER and
 * the injector program's folders.
 */
export function mountPathConflict(mountPath: string, settings: Pick<Settings, 'injectorCommand'>): string | undefined {
  const path = canonicalPath(mountPath);
  const alias = path === mountPath ? '' : ` (the same folder as ${quote(path)}, since /var/run is a symlink to /run)`;
  const reserved = RESERVED_PATHS.find((r) => canonicalPath(r) === path);
  if (reserved !== undefined) return `${quote(mountPath)}${alias} is the system folder ${reserved}, which the mount would hide`;
  const nest = NO_NESTING_UNDER.find((d) => within(path, canonicalPath(d)));
  if (nest !== undefined) return `${quote(mountPath)}${alias} is inside ${nest}, which holds ${nest === INJECTOR_PATH_PREFIX ? 'the injector\'s own token and keys' : 'kernel or kubelet files'}`;
  const program = injectorProgramDirs(settings).find((d) => within(path, d) || within(d, path));
  if (program !== undefined) return `${quote(mountPath)}${alias} would hide the injector's program folder ${program} in the injector image (webhook setting injectorCommand), so the injector containers could never start`;
  return undefined;
}

/**
 * The mount-path problems of a pod, each naming the annotation: the path itself
 * (mountPathConflict), and an app container that already mounts something at the same folder in
 * canonical form (`/run/x` and `/var/run/x/` are the folder the files would go to). The exact-text
 * cases (`/x` and `/x/`) are reported by annotations.ts's own check, so they are skipped here.
 */
export function checkMountPath(pod: V1Pod, options: Pick<PodOptions, 'mountPath' | 'containers'>, settings: Pick<Settings, 'injectorCommand'>): string[] {
  const problems: string[] = [];
  const conflict = mountPathConflict(options.mountPath, settings);
  if (conflict !== undefined) problems.push(`annotation ${Annotation.mountPath}: ${conflict}; choose another path`);
  const target = canonicalPath(options.mountPath);
  const selected = new Set(options.containers);
  const clashing: Array<{ container: string; path: string }> = [];
  for (const c of pod.spec?.containers ?? []) {
    if (!selected.has(c.name)) continue;
    for (const m of c.volumeMounts ?? []) {
      const exact = m.mountPath === options.mountPath || m.mountPath === `${options.mountPath}/`;
      if (!exact && canonicalPath(m.mountPath) === target) clashing.push({ container: c.name, path: m.mountPath });
    }
  }
  if (clashing.length > 0) {
    problems.push(`annotation ${Annotation.mountPath}: ${boundedList(clashing, (x) => `container ${quote(x.container)} already mounts a volume at ${quote(x.path)}`, LIST_ITEMS, '; ')}, the same folder as ${quote(options.mountPath)}; choose another path with ${Annotation.mountPath}`);
  }
  return problems;
}
