/**
 * The mount-path annotation's rules: a normalised absolute path that shadows no system folder,
 * nothing under the kernel's and the kubelet's own trees or the injector's private paths, nothing
 * on, above or inside the injector image's program folders, and no path a selected container
 * already mounts.
 *
 * The files volume is mounted into the selected app containers and into both injector
 * containers, so a path is refused when it would shadow a folder the OS, the kubelet or the
 * injector itself needs. Paths are compared in canonical form: `.`/`..`/empty segments resolved
 * and `/var/run` read as `/run`, since `/var/run` is a symlink to `/run` in every common base
 * image (FHS 3.0 §5.13; Debian, Alpine, distroless), so `/run/secrets/kubernetes.io/...` is the
 * ServiceAccount mount as surely as `/var/run/secrets/kubernetes.io/...` (issue 13, defect 6).
 * Every check is linear in the path's length.
 */
import { posix } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { LIST_ITEM_CHARS, LIST_ITEMS, boundedList, quote } from '../../../common/excerpt.ts';
import { Annotation } from '../../../contract/pod-annotations.ts';
import { INJECTOR_PATH_PREFIX } from '../../pod/volumes.ts';
import type { Settings } from '../../settings.ts';
import { invalid } from './table-format.ts';

/**
 * Paths an app mount must never shadow: the OS folders and the kubelet's ServiceAccount mount.
 * Shadowing them would break the container in ways the user would not link to this webhook.
 */
export const RESERVED_PATHS: readonly string[] = [
  '/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/root', '/sbin', '/sys', '/usr', '/tmp',
  '/var', '/var/run', '/run', '/var/run/secrets', '/var/run/secrets/kubernetes.io',
  '/var/run/secrets/kubernetes.io/serviceaccount',
];
/** Folders a mount must not be placed in, at any depth: kernel file systems, the kubelet's and the injector's own secrets. */
export const NO_NESTING_UNDER: readonly string[] = ['/proc', '/sys', '/dev', '/var/run/secrets/kubernetes.io', INJECTOR_PATH_PREFIX];
/** Longest accepted value (Linux PATH_MAX is 4096; a mount path this long is a mistake or an attack). */
export const MAX_MOUNT_PATH_LENGTH = 1024;

/** The docs column of the table. */
export const MOUNT_PATH_ACCEPTED_DOC = `absolute path of at most ${MAX_MOUNT_PATH_LENGTH} characters; no \`.\`/\`..\`/empty segments, no trailing \`/\`; `
  + `not a system folder (${RESERVED_PATHS.map((p) => `\`${p}\``).join(', ')}), not under ${NO_NESTING_UNDER.map((p) => `\`${p}\``).join(', ')}; `
  + 'not on, above or inside the injector image\'s program folders (`/nodejs/bin`, `/app/dist`: the folders of the absolute paths in setting `injectorCommand`); '
  + 'not a path a selected container already mounts. Compared with `/var/run` read as `/run` (a symlink in every common base image)';

const ACCEPTED = `an absolute path of at most ${MAX_MOUNT_PATH_LENGTH} characters without "." or ".." segments, empty segments or a trailing slash, not a system folder (${RESERVED_PATHS.join(', ')}), not under ${NO_NESTING_UNDER.join(', ')} (/var/run and /run are the same folder), and not on, above or inside the injector's program folders`;

/**
 * `path` in canonical form for comparisons: absolute, `.`, `..` and empty segments resolved (as
 * the kernel resolves them), no trailing slash, and a leading `/var/run` replaced by `/run`.
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

/** Why a syntactically valid `mountPath` cannot hold the files (compared canonically), or undefined. */
export function mountPathConflict(mountPath: string, settings: Pick<Settings, 'injectorCommand'>): string | undefined {
  const path = canonicalPath(mountPath);
  const alias = path === mountPath ? '' : ` (the same folder as ${quote(path)})`;
  const reserved = RESERVED_PATHS.find((r) => canonicalPath(r) === path);
  if (reserved !== undefined) return `${quote(mountPath)}${alias} is the system folder ${reserved}, which the mount would hide`;
  const nest = NO_NESTING_UNDER.find((d) => within(path, canonicalPath(d)));
  if (nest !== undefined) return `${quote(mountPath)}${alias} is inside ${nest}, which holds ${nest === INJECTOR_PATH_PREFIX ? 'the injector\'s own token and keys' : 'kernel or kubelet files'}`;
  const program = injectorProgramDirs(settings).find((d) => within(path, d) || within(d, path));
  if (program !== undefined) return `${quote(mountPath)}${alias} would hide the injector's program folder ${program} in the injector image (setting injectorCommand), so the injector containers could never start`;
  return undefined;
}

/** The problem with a mount-path value, if any. */
export function mountPathProblem(raw: string, settings: Pick<Settings, 'injectorCommand'>): string | undefined {
  const syntax = raw.startsWith('/') && raw.length <= MAX_MOUNT_PATH_LENGTH && raw.split('/').slice(1).every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\0'));
  if (!syntax) return invalid(Annotation.mountPath, raw, ACCEPTED);
  const conflict = mountPathConflict(raw, settings);
  return conflict === undefined ? undefined : invalid(Annotation.mountPath, raw, `${ACCEPTED}; ${conflict}`);
}

/**
 * Selected containers that already mount something at the mount path, compared canonically
 * (`/run/x/` is the folder `/var/run/x`). One problem naming a bounded list of the mounts.
 */
export function checkMountPathConflicts(pod: V1Pod, containers: readonly string[], mountPath: string): string[] {
  const target = canonicalPath(mountPath);
  // A mount whose canonical form is the target contains the target's last segment as text; the
  // cheap test spares posix.normalize for the (up to tens of thousands of) mounts that cannot match.
  const last = target.slice(target.lastIndexOf('/') + 1);
  const selected = new Set(containers);
  const clashing: Array<{ container: string; path: string }> = [];
  for (const c of pod.spec?.containers ?? []) {
    if (!selected.has(c.name)) continue;
    for (const m of c.volumeMounts ?? []) {
      if (m.mountPath.includes(last) && canonicalPath(m.mountPath) === target) clashing.push({ container: c.name, path: m.mountPath });
    }
  }
  if (clashing.length === 0) return [];
  const list = boundedList(clashing, (x) => `container ${quote(x.container, LIST_ITEM_CHARS)} already mounts a volume at ${quote(x.path, LIST_ITEM_CHARS)}`, LIST_ITEMS, '; ');
  return [`annotation ${Annotation.mountPath}: ${list}${clashing.some((x) => x.path !== mountPath) ? `, the same folder as ${quote(mountPath)}` : ''}; choose another path with ${Annotation.mountPath}`];
}
