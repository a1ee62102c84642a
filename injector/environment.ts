/**
 * The injector's ONE reader of `process.env`. Everything the injector takes from its environment
 * is read, validated and frozen here at start, so a bad value fails at boot with every problem
 * listed (STYLE.md §6), and no other injector module touches `process.env`.
 *
 * Variables:
 * - `SECRET_INJECTOR_CONFIG`: the injector config JSON the webhook wrote (contract/injector-config-schema.ts).
 * - `ALIBABA_CLOUD_STS_ENDPOINT`: STS host injected by ack-pod-identity-webhook 0.4.0+
 *   (reference/alibaba-cloud-apis.md §1.3); used when the config names no STS endpoint.
 *   `@alicloud/credentials` itself never reads it (same reference §3.3), so we do.
 * - `SECRET_INJECTOR_LOG_LEVEL`: pino level (`info` when unset).
 * - `SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT`: TEST ONLY. `127.0.0.1:<port>` (or `localhost:<port>`,
 *   `[::1]:<port>`). When set, every STS/KMS/OOS endpoint is first resolved and validated exactly
 *   as in production, and only then is the connection sent to this loopback address (the local
 *   Alibaba Cloud emulator). Production validation never accepts an IP or a port, so the emulator
 *   can only be reached through this explicitly named switch; the webhook never sets it.
 * - `SECRET_INJECTOR_TEST_METADATA_ENDPOINT`: TEST ONLY. A loopback `host:port` that replaces the
 *   ECS metadata service (100.100.100.200) for `ecsRole` profiles (the emulator's IMDS).
 */
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { INJECTOR_CONFIG_ENV } from '../contract/injector-config-schema.ts';

/** Name of the test-only endpoint redirect (see the module comment). */
export const TEST_LOOPBACK_ENDPOINT_ENV = 'SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT';
/** Name of the test-only ECS metadata redirect (see the module comment). */
export const TEST_METADATA_ENDPOINT_ENV = 'SECRET_INJECTOR_TEST_METADATA_ENDPOINT';
/** Name of the log level variable. */
export const LOG_LEVEL_ENV = 'SECRET_INJECTOR_LOG_LEVEL';
/** Name of the STS endpoint variable that ack-pod-identity-webhook injects. */
export const STS_ENDPOINT_ENV = 'ALIBABA_CLOUD_STS_ENDPOINT';

/** pino's level names (https://getpino.io/#/docs/api?id=level-string). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A loopback `host:port`: the only shape the test redirect accepts. */
const LOOPBACK_RE = /^(127\.0\.0\.1|localhost|\[::1\]):([0-9]{1,5})$/;

/** What the injector read from its environment, validated. */
export interface InjectorEnvironment {
  /** Raw text of the injector config; parsed by `parseInjectorConfig`. */
  configText: string | undefined;
  /** `ALIBABA_CLOUD_STS_ENDPOINT`, trimmed; undefined when unset or empty. */
  stsEndpoint: string | undefined;
  logLevel: string;
  /** TEST ONLY loopback redirect (`127.0.0.1:port`); undefined in production. */
  testLoopbackEndpoint: string | undefined;
  /** TEST ONLY ECS metadata redirect (`127.0.0.1:port`); undefined in production. */
  testMetadataEndpoint: string | undefined;
}

/**
 * Reads and validates the injector's environment. Throws E_CONFIG listing every bad variable.
 * `env` is a parameter so tests pass a plain object instead of mutating the process.
 */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): Readonly<InjectorEnvironment> {
  const problems: string[] = [];
  const stsRaw = env[STS_ENDPOINT_ENV]?.trim();
  const levelRaw = env[LOG_LEVEL_ENV]?.trim();
  let logLevel = 'info';
  if (levelRaw !== undefined && levelRaw !== '') {
    if ((LOG_LEVELS as readonly string[]).includes(levelRaw)) logLevel = levelRaw;
    else problems.push(`${LOG_LEVEL_ENV}: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(levelRaw)}`);
  }
  const loopback = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const m = LOOPBACK_RE.exec(raw);
    const port = m === null ? NaN : Number(m[2]);
    if (m === null || port < 1 || port > 65535) {
      problems.push(`${name}: expected 127.0.0.1:<port>, localhost:<port> or [::1]:<port> (test emulator only), got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return raw;
  };
  const testLoopbackEndpoint = loopback(TEST_LOOPBACK_ENDPOINT_ENV);
  const testMetadataEndpoint = loopback(TEST_METADATA_ENDPOINT_ENV);
  if (problems.length > 0) {
    throw new InjectorError(ErrorCode.CONFIG, `invalid injector environment:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze({
    configText: env[INJECTOR_CONFIG_ENV],
    stsEndpoint: stsRaw === undefined || stsRaw === '' ? undefined : stsRaw,
    logLevel,
    testLoopbackEndpoint,
    testMetadataEndpoint,
  });
}
