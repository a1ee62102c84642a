/**
 * The emulated OOS encryption-parameter store ("secret parameters"): per account, each parameter
 * has numbered versions starting at 1; writing again adds the next version, as OOS
 * UpdateSecretParameter does (OOS docs). Values are stored as plaintext because the emulator does
 * not model the KMS key that encrypts them.
 */
import { randomUUID } from 'node:crypto';
import { kmsTime } from './kms-secrets.ts';

/** One parameter version. */
export interface ParameterVersion {
  version: number;
  value: string;
  date: string;
}

/** One encryption parameter. */
export interface ParameterEntry {
  id: string;
  accountId: string;
  name: string;
  description: string;
  createdDate: string;
  versions: ParameterVersion[];
}

/** OOS caps parameter versions at 100 (GetSecretParameter `ParameterVersion` 1–100, reference §5). */
export const MAX_PARAMETER_VERSION = 100;

/** Holds the parameters of every account. */
export class OosParameters {
  readonly #params = new Map<string, ParameterEntry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #key(accountId: string, name: string): string {
    return `${accountId}\u0000${name}`;
  }

  get(accountId: string, name: string): ParameterEntry | undefined {
    return this.#params.get(this.#key(accountId, name));
  }

  /** Creates the parameter (version 1) or adds the next version; returns the new version number. */
  put(accountId: string, name: string, value: string, description = ''): number {
    const date = kmsTime(this.#now());
    const existing = this.get(accountId, name);
    if (existing === undefined) {
      this.#params.set(this.#key(accountId, name), {
        id: `p-${randomUUID().replaceAll('-', '').slice(0, 20)}`,
        accountId, name, description, createdDate: date,
        versions: [{ version: 1, value, date }],
      });
      return 1;
    }
    const next = existing.versions.length + 1;
    if (next > MAX_PARAMETER_VERSION) throw new Error(`name: parameter "${name}" already has ${MAX_PARAMETER_VERSION} versions, the OOS maximum`);
    existing.versions.push({ version: next, value, date });
    if (description !== '') existing.description = description;
    return next;
  }
}
