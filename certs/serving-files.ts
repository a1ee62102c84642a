/**
 * Writes the serving certificate and key into the folder the HTTPS server watches
 * (webhook/server/tls-reloader.ts), so the self-managed mode looks to the server exactly like a mounted
 * Secret: `tls.crt` and `tls.key` in one folder, replaced atomically.
 *
 * Each file is written to a hidden temp file in the same folder (same filesystem, so rename(2)
 * is atomic), flushed, then renamed over the old one: a reader sees the old file or the new one,
 * never a partial one. The key is renamed first and the certificate second; the reloader only
 * takes a pair whose key matches its certificate, so the brief moment where a new key sits beside
 * the old certificate is skipped, and the certificate rename that follows triggers the reload.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, InjectorError } from '../common/errors.ts';

/** File names: the kubernetes.io/tls Secret keys, as webhook/server/tls-reloader.ts reads them. */
export const SERVING_CERT_FILE = 'tls.crt';
export const SERVING_KEY_FILE = 'tls.key';

/** Owner read/write only for the key; the certificate is public. */
export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;

const TEMP_PREFIX = '.tmp-';

/**
 * Writes the pair into `dir` unless both files already hold exactly this content. Returns true
 * when it wrote. Steps:
 * 1. Create the folder (0700) if needed and remove temp files a crashed run left behind.
 * 2. Compare with what is there; stop when nothing changed.
 * 3. Write each file to a temp name, fsync it.
 * 4. Rename the key, then the certificate, over the visible names; fsync the folder so the
 *    renames survive a crash.
 */
export async function writeServingFiles(dir: string, pair: { certPem: string; keyPem: string }): Promise<boolean> {
  try {
    // 1. Folder and leftovers.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(dir)) {
      if (entry.startsWith(TEMP_PREFIX)) await rm(join(dir, entry), { force: true });
    }

    // 2. Unchanged?
    const [oldCert, oldKey] = await Promise.all([readIfExists(join(dir, SERVING_CERT_FILE)), readIfExists(join(dir, SERVING_KEY_FILE))]);
    if (oldCert === pair.certPem && oldKey === pair.keyPem) return false;

    // 3. Temp files.
    const suffix = randomBytes(6).toString('hex');
    const keyTemp = join(dir, `${TEMP_PREFIX}${SERVING_KEY_FILE}-${suffix}`);
    const certTemp = join(dir, `${TEMP_PREFIX}${SERVING_CERT_FILE}-${suffix}`);
    await writeSynced(keyTemp, pair.keyPem, KEY_FILE_MODE);
    await writeSynced(certTemp, pair.certPem, CERT_FILE_MODE);

    // 4. Swap in, key first.
    await rename(keyTemp, join(dir, SERVING_KEY_FILE));
    await rename(certTemp, join(dir, SERVING_CERT_FILE));
    await syncDir(dir);
    return true;
  } catch (err) {
    if (err instanceof InjectorError) throw err;
    throw new InjectorError(ErrorCode.WRITE, `cannot write the serving certificate into ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      retryable: true,
      cause: err,
    });
  }
}

async function writeSynced(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    // The umask may have narrowed the mode given to open(); set it explicitly.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
