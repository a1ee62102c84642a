/**
 * What may be a file name in an ExternalSecret's folder. Kubernetes accepts Secret keys matching
 * `[-._a-zA-Z0-9]+` (apimachinery validation IsConfigMapKey); ack-secret-manager would let the API
 * server reject the whole Secret for one bad key (reference §2.3 step 5), but the injector writes
 * files itself, so it drops just that key and reports it. On top of the Kubernetes rule, `.`,
 * `..` and anything starting with `..` are refused: the atomic writer owns `..data`,
 * `..data_tmp` and the `..<timestamp>` folders (the kubelet reserves the same prefix).
 */
const SECRET_KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** Kubernetes' limit on a Secret key (validation.DNS1123SubdomainMaxLength, IsConfigMapKey). */
export const MAX_SECRET_KEY_LENGTH = 253;

/** Why `key` cannot be a file name, or undefined when it can. */
export function secretKeyProblem(key: string): string | undefined {
  if (key === '') return 'a Secret key must not be empty';
  if (key.length > MAX_SECRET_KEY_LENGTH) return `a Secret key must be at most ${MAX_SECRET_KEY_LENGTH} characters`;
  if (!SECRET_KEY_RE.test(key)) return 'a Secret key must consist of alphanumeric characters, "-", "_" or "."';
  if (key === '.' || key === '..') return 'a Secret key must not be "." or ".."';
  if (key.startsWith('..')) return 'a Secret key must not start with ".." (reserved for the atomic writer)';
  return undefined;
}

/** True when `key` is safe as a file name in the folder. */
export function isValidSecretKey(key: string): boolean {
  return secretKeyProblem(key) === undefined;
}
