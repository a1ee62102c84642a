/**
 * The emulated KMS secrets store: per account, each secret has versions with stages. Seeding
 * creates the first version as `ACSCurrent`; rotating adds a version, moves `ACSCurrent` to it and
 * `ACSPrevious` to the old current, and the old previous loses its stage — as KMS PutSecretValue /
 * rotation does (KMS "secret versions" docs).
 */
import { randomUUID } from 'node:crypto';

/** One secret version; `data` is the plaintext (text) or base64 (binary) exactly as returned. */
export interface SecretVersion {
  versionId: string;
  data: string;
  dataType: 'text' | 'binary';
  stages: string[];
  createTime: string;
}

/** One secret with its versions, oldest first. */
export interface SecretEntry {
  accountId: string;
  name: string;
  versions: SecretVersion[];
}

/** What a caller gives to seed or rotate: text, or binary as base64. */
export interface SecretValueInput {
  value?: string;
  binaryBase64?: string;
  versionId?: string;
}

/** The whole-second UTC timestamp KMS returns (`2024-02-21T15:39:26Z`, reference §4.2). */
export function kmsTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Holds the secrets of every account. */
export class KmsSecrets {
  readonly #secrets = new Map<string, SecretEntry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #key(accountId: string, name: string): string {
    return `${accountId}\u0000${name}`;
  }

  get(accountId: string, name: string): SecretEntry | undefined {
    return this.#secrets.get(this.#key(accountId, name));
  }

  #version(input: SecretValueInput, stages: string[], existing: SecretVersion[]): SecretVersion {
    const versionId = input.versionId ?? randomUUID();
    if (existing.some((v) => v.versionId === versionId)) throw new Error(`versionId: "${versionId}" already exists for this secret`);
    return input.binaryBase64 !== undefined
      ? { versionId, data: input.binaryBase64, dataType: 'binary', stages, createTime: kmsTime(this.#now()) }
      : { versionId, data: input.value ?? '', dataType: 'text', stages, createTime: kmsTime(this.#now()) };
  }

  /** Creates (or replaces) a secret with one `ACSCurrent` version plus optional custom stages. */
  seed(accountId: string, name: string, input: SecretValueInput, extraStages: string[] = []): SecretVersion {
    const v = this.#version(input, ['ACSCurrent', ...extraStages.filter((s) => s !== 'ACSCurrent')], []);
    this.#secrets.set(this.#key(accountId, name), { accountId, name, versions: [v] });
    return v;
  }

  /**
   * Adds a version and rotates stages:
   * 1. the version holding ACSPrevious loses it;
   * 2. the version holding ACSCurrent gets ACSPrevious instead;
   * 3. the new version gets ACSCurrent.
   */
  rotate(accountId: string, name: string, input: SecretValueInput): SecretVersion {
    const entry = this.get(accountId, name);
    if (entry === undefined) throw new Error(`name: secret "${name}" does not exist in account ${accountId}; seed it first`);
    const v = this.#version(input, ['ACSCurrent'], entry.versions);
    for (const old of entry.versions) {
      // 1.
      old.stages = old.stages.filter((s) => s !== 'ACSPrevious');
      // 2.
      if (old.stages.includes('ACSCurrent')) old.stages = [...old.stages.filter((s) => s !== 'ACSCurrent'), 'ACSPrevious'];
    }
    // 3.
    entry.versions.push(v);
    return v;
  }
}
