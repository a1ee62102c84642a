import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Paths pino censors at every level. Secret values never reach a log call on purpose; this list
 * is the second line of defence for objects logged whole (requests, SDK errors, configs).
 */
export const REDACT_PATHS = [
  'token', '*.token', 'securityToken', '*.securityToken', 'SecurityToken', '*.SecurityToken',
  'accessKeySecret', '*.accessKeySecret', 'AccessKeySecret', '*.AccessKeySecret',
  'accessKeyId', '*.accessKeyId', 'AccessKeyId', '*.AccessKeyId',
  'secretData', '*.secretData', 'SecretData', '*.SecretData',
  'value', '*.value', 'values', '*.values', 'password', '*.password',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  '*.privateKey', 'privateKey', 'tls.key',
];

/** Builds the project's JSON logger (pino, redaction on). `destination` lets tests capture output. */
export function createLogger(options: { name: string; level?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { name: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
export type { Logger };
