/**
 * Stable error codes shared by every program in the project. Code matches on `code`, never on
 * message text; only the CLI entry point maps codes to exit statuses (see cli/main.ts).
 */
export const ErrorCode = {
  /** A setting, flag or config document is invalid; the message lists every problem. */
  CONFIG: 'E_CONFIG',
  /** A manifest, AdmissionReview or values file could not be read or parsed. */
  INPUT: 'E_INPUT',
  /** The admission core refused the pod (the message is the denial text). */
  DENIED: 'E_DENIED',
  /** Getting credentials from STS failed (token, trust policy, network). */
  CREDENTIALS: 'E_CREDENTIALS',
  /** A KMS/OOS call failed; `retryable` says whether backing off can help. */
  PROVIDER: 'E_PROVIDER',
  /** An ExternalSecret rule could not be applied (bad regex, unparsable value, invalid key). */
  RULE: 'E_RULE',
  /** A target.template / templateFrom template failed to parse or execute, or its source is missing. */
  TEMPLATE: 'E_TEMPLATE',
  /** Writing the files failed. */
  WRITE: 'E_WRITE',
  /** Certificate generation, loading or rotation failed. */
  CERT: 'E_CERT',
  /** Talking to the Kubernetes API failed. */
  KUBE: 'E_KUBE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error type the project throws on purpose. `retryable` drives backoff decisions. */
export class InjectorError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Machine-readable detail safe to log (never a secret value, token or key). */
  readonly detail: Readonly<Record<string, string | number | boolean>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; detail?: Record<string, string | number | boolean> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InjectorError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.detail = Object.freeze({ ...(options.detail ?? {}) });
  }
}

/** True when `err` is an InjectorError with the given code. */
export function hasCode(err: unknown, code: ErrorCode): err is InjectorError {
  return err instanceof InjectorError && err.code === code;
}
