/**
 * Binds the atomic writer (injector/files/atomic-writer.ts) to the config's file mode and group, as the
 * `FolderWriter` the refresh uses: one call writes one ExternalSecret folder and says whether its
 * content changed (the writer skips unchanged sets, STYLE.md §8).
 */
import type { InjectorConfig } from '../../contract/injector-config-schema.ts';
import { writeFileSet } from './atomic-writer.ts';
import type { FolderWriter } from '../refresh.ts';

/** The writer for this config's `fileMode` / `fileGid`. */
export function folderWriter(config: Pick<InjectorConfig, 'fileMode' | 'fileGid'>): FolderWriter {
  const options = config.fileGid === undefined ? { mode: config.fileMode } : { mode: config.fileMode, gid: config.fileGid };
  return async (dir, files) => (await writeFileSet(dir, files, options)).changed;
}
