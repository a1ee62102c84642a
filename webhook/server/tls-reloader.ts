/**
 * Serving certificate from a folder, reloaded without a restart (STYLE.md item 10).
 *
 * The certificate and key are mounted from a Secret (cert-manager, an existing Secret) or written
 * by the self-managed certificate loop. The kubelet updates a Secret volume by writing a new
 * timestamped folder and renaming a `..data` symlink over the old one, so `tls.crt` and `tls.key`
 * are symlinks whose targets change while the link files themselves never do
 * (kubernetes/pkg/volume/util/atomic_writer.go). Watching the files would miss that (the watch
 * follows the old inode); watching the FOLDER sees the rename of `..data`. A slow poll backs the
 * watch up, since inotify events can be dropped under load.
 *
 * A new pair is only taken once it parses, the key matches the certificate and it has not
 * expired; otherwise the server keeps the pair it has and logs why. Nothing here ever logs the
 * key or the certificate body.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { WebhookMetrics } from './metrics.ts';

/** File names inside the folder: the `kubernetes.io/tls` Secret keys (core/v1 TLSCertKey, TLSPrivateKeyKey). */
export const TLS_CERT_FILE = 'tls.crt';
export const TLS_KEY_FILE = 'tls.key';

/**
 * Events from one `..data` swap arrive in a burst (create tmp link, rename, remove old folder);
 * waiting this long after the last one lets the whole swap land before reading.
 */
export const RELOAD_DEBOUNCE_MS = 200;

/** Safety-net re-read interval; the kubelet itself only syncs Secret volumes about once a minute (kubelet --sync-frequency, default 1m). */
export const RELOAD_POLL_MS = 60_000;

/** A validated pair, ready for `setSecureContext`. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
  readonly subject: string;
  /** sha256 of certificate and key, to skip reloading an unchanged pair. Safe to log. */
  readonly fingerprint: string;
}

/** Anything that can take a new secure context: `https.Server`, `tls.Server`. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

export interface TlsReloaderOptions {
  dir: string;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** Clock for the expiry check; tests pass a fixed one. */
  now?: () => Date;
  debounceMs?: number;
  pollMs?: number;
}

/**
 * Reads and validates the pair in `dir`. Throws E_CERT naming the folder and what is wrong
 * (missing file, unparsable PEM, key not matching, expired), never the material itself.
 */
export async function readTlsMaterial(dir: string, now: Date = new Date()): Promise<TlsMaterial> {
  const certPath = join(dir, TLS_CERT_FILE);
  const keyPath = join(dir, TLS_KEY_FILE);
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch (err) {
    throw new InjectorError(ErrorCode.CERT, `cannot read ${certPath} and ${keyPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { retryable: true, cause: err });
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new InjectorError(ErrorCode.CERT, `${certPath}: not a PEM certificate (${(err as Error).message})`, { retryable: true });
  }
  try {
    // createSecureContext runs OpenSSL's SSL_CTX_use_PrivateKey, which fails with
    // "key values mismatch" when the key does not belong to the certificate.
    createSecureContext({ cert, key });
  } catch (err) {
    throw new InjectorError(ErrorCode.CERT, `${keyPath}: not a usable private key for ${certPath} (${(err as Error).message})`, { retryable: true });
  }
  const notAfter = new Date(x509.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw new InjectorError(ErrorCode.CERT, `${certPath}: certificate expired at ${notAfter.toISOString()}`, { retryable: true });
  }
  const fingerprint = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
  return { cert, key, notAfter, subject: x509.subject.replaceAll('\n', ', '), fingerprint };
}

/**
 * Holds the current pair, applies every new valid pair to the attached servers, and watches the
 * folder. `loaded` feeds `/readyz`.
 */
export class TlsReloader {
  readonly dir: string;
  #logger: Logger;
  #metrics: WebhookMetrics | undefined;
  #now: () => Date;
  #debounceMs: number;
  #pollMs: number;
  #current: TlsMaterial | undefined;
  #targets: SecureContextTarget[] = [];
  #listeners: Array<(m: TlsMaterial) => void> = [];
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #loading: Promise<boolean> | undefined;
  #again = false;

  constructor(options: TlsReloaderOptions) {
    this.dir = options.dir;
    this.#logger = options.logger.child({ component: 'tls-reloader', dir: options.dir });
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => new Date());
    this.#debounceMs = options.debounceMs ?? RELOAD_DEBOUNCE_MS;
    this.#pollMs = options.pollMs ?? RELOAD_POLL_MS;
  }

  /** True once a valid pair has been loaded. */
  get loaded(): boolean {
    return this.#current !== undefined;
  }

  /** The pair in use, if any. */
  get current(): TlsMaterial | undefined {
    return this.#current;
  }

  /** Applies the current pair now (if any) and every later one to `target`. */
  attach(target: SecureContextTarget): void {
    this.#targets.push(target);
    if (this.#current !== undefined) target.setSecureContext({ cert: this.#current.cert, key: this.#current.key });
  }

  /** Calls `listener` after each new pair is taken (tests and the server command wait on it). */
  onReload(listener: (m: TlsMaterial) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Re-reads the folder. Returns true when a new pair was taken. Concurrent calls coalesce:
   * a call made while a read is running schedules exactly one more read afterwards.
   */
  reload(): Promise<boolean> {
    if (this.#loading !== undefined) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = this.#reloadOnce().finally(() => {
      this.#loading = undefined;
      if (this.#again) {
        this.#again = false;
        void this.reload();
      }
    });
    return this.#loading;
  }

  async #reloadOnce(): Promise<boolean> {
    let material: TlsMaterial;
    try {
      material = await readTlsMaterial(this.dir, this.#now());
    } catch (err) {
      this.#metrics?.certificateReloads.inc({ result: 'rejected' });
      const message = err instanceof Error ? err.message : String(err);
      if (this.#current === undefined) this.#logger.warn({ err: message }, 'no usable serving certificate yet');
      else this.#logger.error({ err: message, keeping: this.#current.fingerprint.slice(0, 16), notAfter: this.#current.notAfter.toISOString() }, 'new serving certificate rejected; keeping the current one');
      return false;
    }
    if (this.#current?.fingerprint === material.fingerprint) {
      this.#metrics?.certificateReloads.inc({ result: 'unchanged' });
      return false;
    }
    for (const t of this.#targets) t.setSecureContext({ cert: material.cert, key: material.key });
    this.#current = material;
    this.#metrics?.certificateReloads.inc({ result: 'loaded' });
    this.#metrics?.certificateNotAfter.set(Math.floor(material.notAfter.getTime() / 1000));
    this.#logger.info({ subject: material.subject, notAfter: material.notAfter.toISOString(), fingerprint: material.fingerprint.slice(0, 16) }, 'serving certificate loaded');
    for (const l of this.#listeners) l(material);
    return true;
  }

  /**
   * Steps: 1. watch the folder (not the files, see the module comment); 2. start the safety-net
   * poll; 3. do a first read. Watch and poll timers are unref'd so they never keep the process
   * alive on their own.
   */
  async start(): Promise<void> {
    // 1.
    try {
      this.#watcher = watch(this.dir, { persistent: false }, () => this.#schedule());
      this.#watcher.on('error', (err) => this.#logger.error({ err: err.message }, 'watching the certificate folder failed; relying on the poll'));
    } catch (err) {
      throw new InjectorError(ErrorCode.CERT, `cannot watch certificate folder ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    // 2.
    this.#poll = setInterval(() => void this.reload(), this.#pollMs);
    this.#poll.unref();
    // 3.
    await this.reload();
  }

  /** Resolves with the first valid pair (immediately if one is loaded); rejects when `signal` aborts. */
  waitUntilLoaded(signal?: AbortSignal): Promise<TlsMaterial> {
    if (this.#current !== undefined) return Promise.resolve(this.#current);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onReload((m) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(m);
      });
    });
  }

  #schedule(): void {
    if (this.#debounce !== undefined) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.reload();
    }, this.#debounceMs);
    this.#debounce.unref();
  }

  /** Stops watching and polling. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#poll !== undefined) clearInterval(this.#poll);
    if (this.#debounce !== undefined) clearTimeout(this.#debounce);
    this.#poll = undefined;
    this.#debounce = undefined;
  }
}
