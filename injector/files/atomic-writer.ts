/**
 * Atomic updates of one ExternalSecret's folder, with the scheme the kubelet uses for Secret and
 * ConfigMap volumes (pkg/volume/util/atomic_writer.go):
 *
 * ```
 * <dir>/..2026_11_22_16_05_01.123456789/<key>   the files of one generation
 * <dir>/..data -> ..2026_11_22_16_05_01.123456789
 * <dir>/<key>  -> ..data/<key>                  what the application opens
 * ```
 *
 * A new generation is written into a fresh hidden folder, then `..data` is switched to it with
 * one `rename(2)` of a `..data_tmp` symlink, so a reader that resolves `..data` once sees either
 * the whole old set or the whole new set, never a mix and never a half-written file. Watching
 * `..data` (it is replaced, not modified) is how an application notices a change.
 *
 * Keys must already be valid Secret keys (injector/rules/secret-key.ts); anything else, including
 * every name starting with `..`, is refused before a byte is written, so no path can leave `dir`.
 */
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { secretKeyProblem } from '../rules/secret-key.ts';

/** The symlink naming the current generation (kubelet: dataDirName). */
export const DATA_DIR_NAME = '..data';
/** The symlink renamed over `..data` (kubelet: newDataDirName). */
export const DATA_TMP_NAME = '..data_tmp';
/**
 * Mode of the folders: traversable by any user, so an application running as another UID can
 * reach files whose own mode (and group) decide who may read them.
 */
export const FOLDER_MODE = 0o755;

/** How the files are written. */
export interface WriteOptions {
  /** Permission bits of every file, e.g. 0o440. */
  mode: number;
  /** Group owner of the files and generation folders (fsGroup-style); unset keeps the writer's group. */
  gid?: number;
}

function writeError(message: string, cause?: unknown): InjectorError {
  return new InjectorError(ErrorCode.WRITE, message, cause === undefined ? {} : { cause });
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** kubelet's timestamp prefix `..2006_01_02_15_04_05.` (UTC); mkdtemp adds a unique suffix. */
function generationPrefix(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** The generation folder `..data` points to, or undefined when there is none (yet). */
async function currentGeneration(dir: string): Promise<string | undefined> {
  try {
    const target = await readlink(join(dir, DATA_DIR_NAME));
    return target.includes('/') ? undefined : target;
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw writeError(`cannot read ${join(dir, DATA_DIR_NAME)}: ${(err as Error).message}`, err);
  }
}

/** True when the current generation already holds exactly `files` with `options` and every visible link is in place. */
async function isUnchanged(dir: string, generation: string, files: ReadonlyMap<string, Uint8Array>, options: WriteOptions): Promise<boolean> {
  const genDir = join(dir, generation);
  let names: string[];
  try {
    names = await readdir(genDir);
  } catch {
    return false;
  }
  if (names.length !== files.size || names.some((n) => !files.has(n))) return false;
  for (const [key, content] of files) {
    const path = join(genDir, key);
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined || !st.isFile() || (st.mode & 0o7777) !== options.mode) return false;
    if (options.gid !== undefined && st.gid !== options.gid) return false;
    const existing = await readFile(path).catch(() => undefined);
    if (existing === undefined || !Buffer.from(content).equals(existing)) return false;
    const link = await readlink(join(dir, key)).catch(() => undefined);
    if (link !== `${DATA_DIR_NAME}/${key}`) return false;
  }
  return true;
}

/** Points `<dir>/<name>` at `target` atomically (a temporary symlink renamed over the name). */
async function replaceSymlink(dir: string, name: string, target: string): Promise<void> {
  const tmp = join(dir, `..link_tmp_${name}`);
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, join(dir, name));
}

/**
 * Writes `files` as the new content of `dir` and returns whether anything changed.
 *
 * 1. Refuse keys that are not valid Secret keys (all of them listed, nothing written).
 * 2. Create `dir` if missing (mode 0o755).
 * 3. If the generation `..data` points to holds the same keys, bytes, mode and group, and every
 *    visible link exists, stop: `{changed: false}`.
 * 4. Write every file into a new hidden folder `..<timestamp>.<random>` (mode and group set).
 * 5. Create `..data_tmp -> <that folder>` (removing a stale one).
 * 6. Rename `..data_tmp` over `..data`: the one atomic switch.
 * 7. Create the visible links `<key> -> ..data/<key>` for keys that have none.
 * 8. Remove visible links of keys that are gone.
 * 9. Remove the previous generation folder.
 */
export async function writeFileSet(dir: string, files: ReadonlyMap<string, Uint8Array>, options: WriteOptions): Promise<{ changed: boolean }> {
  // 1.
  const bad = [...files.keys()].flatMap((k) => {
    const problem = secretKeyProblem(k);
    return problem === undefined ? [] : [`${JSON.stringify(k)}: ${problem}`];
  });
  if (bad.length > 0) throw writeError(`refusing to write into ${dir}: invalid file names: ${bad.join('; ')}`);
  if (!Number.isInteger(options.mode) || options.mode < 0 || options.mode > 0o7777) {
    throw writeError(`file mode must be an integer in [0, 0o7777], got ${String(options.mode)}`);
  }
  try {
    // 2.
    await mkdir(dir, { recursive: true, mode: FOLDER_MODE });
    // 3.
    const previous = await currentGeneration(dir);
    if (previous !== undefined && (await isUnchanged(dir, previous, files, options))) return { changed: false };
    // 4.
    const genDir = await mkdtemp(join(dir, generationPrefix(new Date())));
    await chmod(genDir, FOLDER_MODE);
    if (options.gid !== undefined) await chown(genDir, -1, options.gid);
    for (const [key, content] of files) {
      const path = join(genDir, key);
      await writeFile(path, content, { flag: 'wx', mode: options.mode });
      await chmod(path, options.mode);
      if (options.gid !== undefined) await chown(path, -1, options.gid);
    }
    const generation = genDir.slice(dir.length).replace(/^\/+/, '');
    // 5.
    await rm(join(dir, DATA_TMP_NAME), { force: true });
    await symlink(generation, join(dir, DATA_TMP_NAME));
    // 6.
    await rename(join(dir, DATA_TMP_NAME), join(dir, DATA_DIR_NAME));
    // 7.
    for (const key of files.keys()) {
      const link = await readlink(join(dir, key)).catch(() => undefined);
      if (link !== `${DATA_DIR_NAME}/${key}`) await replaceSymlink(dir, key, `${DATA_DIR_NAME}/${key}`);
    }
    // 8.
    for (const name of await readdir(dir)) {
      if (name.startsWith('..') || files.has(name)) continue;
      const st = await lstat(join(dir, name)).catch(() => undefined);
      const target = st?.isSymbolicLink() === true ? await readlink(join(dir, name)).catch(() => '') : '';
      if (target.startsWith(`${DATA_DIR_NAME}/`)) await rm(join(dir, name), { force: true });
    }
    // 9.
    if (previous !== undefined && previous !== generation) await rm(join(dir, previous), { recursive: true, force: true });
    return { changed: true };
  } catch (err) {
    if (err instanceof InjectorError) throw err;
    throw writeError(`writing ${dir} failed: ${(err as Error).message}`, err);
  }
}

/**
 * Removes what an interrupted write leaves behind, before the first write of a process: a stale
 * `..data_tmp`, temporary link names, and generation folders `..data` does not point to. The
 * current generation and the visible links are kept. A missing `dir` is fine.
 */
export async function cleanLeftovers(dir: string): Promise<{ removed: string[] }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return { removed: [] };
    throw writeError(`cannot list ${dir}: ${(err as Error).message}`, err);
  }
  const current = await currentGeneration(dir);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith('..') || name === DATA_DIR_NAME || name === current) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch (err) {
      throw writeError(`cannot remove leftover ${join(dir, name)}: ${(err as Error).message}`, err);
    }
  }
  return { removed: removed.sort() };
}
