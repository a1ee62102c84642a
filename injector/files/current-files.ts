/**
 * Reads the files an ExternalSecret folder currently shows (the visible names, which the atomic
 * writer keeps as symlinks through `..data`). The agent seeds its "last good" state from them at
 * start, so a source that fails on the agent's first refresh keeps what `init` wrote.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSet } from '../refresh.ts';

/**
 * The visible files of `dir`; undefined when the folder does not exist or is empty. Only the
 * writer's own entries are skipped: every name starting with `..` (`..data`, `..data_tmp`,
 * `..<timestamp>`, which secret-key.ts refuses as keys). A key with one leading dot (`.env`,
 * `.dockerconfigjson`) is a file of the set: skipping it would make the agent forget it and
 * delete it on a partial first refresh (issue 13, defect 4).
 */
export async function readCurrentFiles(dir: string): Promise<FileSet | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const files = new Map<string, Uint8Array>();
  for (const name of names) {
    if (name.startsWith('..')) continue; // `..data`, `..data_tmp`, `..<timestamp>`: the writer's internals
    try {
      files.set(name, new Uint8Array(await readFile(join(dir, name))));
    } catch (err) {
      // A dangling link (the writer was interrupted mid-swap): not a file of the current set.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
    }
  }
  return files.size === 0 ? undefined : files;
}
