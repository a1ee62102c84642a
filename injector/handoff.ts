/**
 * The init → agent handoff (issue 15). Without it, a pod's agent repeats what its init container
 * did seconds earlier: one more STS `AssumeRoleWithOIDC` (the credential cache is per process)
 * and one more fetch of every secret. In a 1,000-pod rollout that doubles the calls against the
 * account's STS quota (about 500 a minute) exactly when it is scarcest.
 *
 * So `init`, after writing every folder, writes one JSON file (config.handoffPath) holding:
 * - per credential profile, the STS credentials it obtained (AccessKeyId, secret, security token,
 *   expiry) and when it obtained them;
 * - per ExternalSecret, when its folder was fetched and a SHA-256 fingerprint of the file set
 *   written.
 * The agent reads it once at start (`takeHandoff`) and deletes it: it reuses the credentials
 * until their renewal point (injector/cloud/credentials.ts `renewalAt`) and schedules each
 * ExternalSecret whose folder still matches its fingerprint on the refresh grid instead of
 * refetching it at once. A missing, unreadable, corrupt, foreign-version or stale file is
 * ignored with a log line: the agent then starts as it would without a handoff.
 *
 * Exposure (docs/security.md): the file lives in an in-memory emptyDir that only the injector
 * containers mount, written 0600 by the injector's own user. Whoever can read it can read the
 * projected token beside it, and that token is exchangeable for the very same role credentials,
 * for longer; the fingerprints are of files the application can already read.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { CloudCredentials, HeldCredentials } from './cloud/credentials.ts';
import type { FileSet } from './refresh.ts';

/** The format version; a file of another version is ignored (init and agent from different images). */
export const HANDOFF_VERSION = 1;
/**
 * A handoff older than this is ignored: one day. The agent reads it seconds after init wrote it;
 * an older file means the agent restarted much later, when fresh state is cheap and right.
 */
export const HANDOFF_MAX_AGE_MS = 24 * 3600_000;

/** One ExternalSecret's entry: when its files were fetched and their fingerprint. */
export interface HandoffFolder {
  fetchedAt: number;
  fingerprint: string;
}

/** The handoff document. */
export interface Handoff {
  version: typeof HANDOFF_VERSION;
  writtenAt: number;
  /** Profile id → credentials obtained by init (STS credentials only: they have an expiry). */
  credentials: Record<string, HeldCredentials>;
  /** ExternalSecret name → its folder as init wrote it. */
  folders: Record<string, HandoffFolder>;
}

/**
 * A file set's fingerprint: SHA-256 over the sorted (name, content) pairs, each length-prefixed so
 * no two different sets share an encoding.
 */
export function fingerprintFiles(files: FileSet): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    const data = files.get(name) as Uint8Array;
    h.update(`${Buffer.byteLength(name)}:${name}:${data.byteLength}:`);
    h.update(data);
  }
  return h.digest('hex');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseCredentials(v: unknown): HeldCredentials | undefined {
  if (!isRecord(v) || typeof v.obtainedAt !== 'number' || !isRecord(v.credentials)) return undefined;
  const c = v.credentials;
  if (typeof c.accessKeyId !== 'string' || typeof c.accessKeySecret !== 'string' || typeof c.securityToken !== 'string' || typeof c.expiresAt !== 'number') return undefined;
  const credentials: CloudCredentials = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, expiresAt: c.expiresAt };
  return { credentials, obtainedAt: v.obtainedAt };
}

/**
 * Parses a handoff file's text; a string names why it is not usable (never quoting the content:
 * it holds credentials). Entries that are malformed make the whole file unusable.
 */
export function parseHandoff(text: string, now: number): Handoff | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isRecord(doc)) return 'not a JSON object';
  if (doc.version !== HANDOFF_VERSION) return `version ${JSON.stringify(doc.version)}, expected ${HANDOFF_VERSION}`;
  if (typeof doc.writtenAt !== 'number' || !Number.isFinite(doc.writtenAt)) return 'writtenAt is not a number';
  if (now - doc.writtenAt > HANDOFF_MAX_AGE_MS) return 'older than a day';
  if (!isRecord(doc.credentials) || !isRecord(doc.folders)) return 'credentials or folders missing';
  const credentials: Record<string, HeldCredentials> = {};
  for (const [id, v] of Object.entries(doc.credentials)) {
    const c = parseCredentials(v);
    if (c === undefined) return `credentials of profile ${JSON.stringify(id)} are malformed`;
    credentials[id] = c;
  }
  const folders: Record<string, HandoffFolder> = {};
  for (const [name, v] of Object.entries(doc.folders)) {
    if (!isRecord(v) || typeof v.fetchedAt !== 'number' || typeof v.fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(v.fingerprint)) return `folder ${JSON.stringify(name)} is malformed`;
    folders[name] = { fetchedAt: v.fetchedAt, fingerprint: v.fingerprint };
  }
  return { version: HANDOFF_VERSION, writtenAt: doc.writtenAt, credentials, folders };
}

/**
 * Writes the handoff atomically and private: a temporary file with mode 0600 in the same folder,
 * renamed over the target, so the agent never reads half a file.
 */
export async function writeHandoff(path: string, handoff: Handoff): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(handoff), { mode: 0o600 });
  await rename(tmp, path);
}

/** Why no handoff was taken, or the handoff. */
export type HandoffRead = { handoff: Handoff } | { reason: 'absent' | 'unreadable' | 'unusable'; detail: string };

/**
 * Reads the handoff once and deletes it (a restarted agent starts afresh; the credentials do not
 * outlive their use). Never throws: any problem is a reason to start without it.
 */
export async function takeHandoff(path: string, now: number): Promise<HandoffRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' ? { reason: 'absent', detail: 'no handoff file' } : { reason: 'unreadable', detail: code };
  }
  await rm(path, { force: true }).catch(() => undefined);
  const parsed = parseHandoff(text, now);
  return typeof parsed === 'string' ? { reason: 'unusable', detail: parsed } : { handoff: parsed };
}
