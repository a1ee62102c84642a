/**
 * Everything `init` and `agent` share, built once at start from the environment: the validated
 * config, the logger, resolved endpoints, one credential source per profile (so one STS exchange
 * serves every secret of a profile), the KMS/OOS clients, the rate limiter and the metrics.
 * A bad config or endpoint fails here, before any cloud call, with every problem listed.
 */
import type { Logger } from 'pino';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { createLogger } from '../common/log.ts';
import { parseInjectorConfig, type InjectorConfig } from '../contract/injector-config-schema.ts';
import { buildCredentialSource, type CredentialSource, type StsApi } from './cloud/credentials.ts';
import { trustExtraCa } from './cloud/extra-ca.ts';
import { resolveKmsEndpoint, resolveOosEndpoint, resolveStsEndpoint, type ResolvedEndpoint } from './cloud/endpoints.ts';
import { readEnvironment, TEST_LOOPBACK_ENDPOINT_ENV, type InjectorEnvironment } from './environment.ts';
import type { FetchOne } from './cloud/fetch-cycle.ts';
import { createInjectorMetrics, type InjectorMetrics } from './injector-metrics.ts';
import { KmsClient } from './cloud/kms-client.ts';
import { OosClient } from './cloud/oos-client.ts';
import { agentPacing, DEFAULT_RATE_LIMIT, RateLimiter } from './cloud/rate-limit.ts';
import { collectFetches } from './cloud/fetch-cycle.ts';
import { listFetches } from './rules/index.ts';
import { StsClient } from './cloud/sts-client.ts';

/** The injector's shared, long-lived parts. */
export interface InjectorRuntime {
  config: Readonly<InjectorConfig>;
  environment: Readonly<InjectorEnvironment>;
  logger: Logger;
  metrics: InjectorMetrics;
  /** The limiter of routine refreshes: the agent's pacing once refreshes are phase-spread, else DEFAULT_RATE_LIMIT. */
  limiter: RateLimiter;
  /**
   * The limiter of a refresh that fills a folder the pod is waiting on (init's, and the agent's
   * while a due ExternalSecret has no files yet: skip-init, or a folder init could not write):
   * DEFAULT_RATE_LIMIT, never paced, since pacing would hold the app's start back by seconds.
   */
  fillLimiter: RateLimiter;
  fetchOne: FetchOne;
  /** Credential source per profile id. */
  credentials: ReadonlyMap<string, CredentialSource>;
  /**
   * This pod's phase in (0, 1]: where in each refresh interval its refreshes fall, and where in
   * the renewal window its STS renewals fall (issue 15). Undefined when
   * config.refreshPhaseSpread is false (the old, unspread schedule).
   */
  phase: number | undefined;
}

/** Optional replacements, for tests of the shell that must not reach a network. */
export interface RuntimeOverrides {
  sts?: StsApi;
  logDestination?: Parameters<typeof createLogger>[1];
  /** Draws the phase; returns [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * Builds the runtime from `env` (normally `process.env`).
 * 1. Read and validate the environment and the config (E_CONFIG lists every problem).
 * 2. Resolve and validate the STS/OOS endpoints, and every KMS endpoint the entries name, now:
 *    a bad `kmsEndpoint` fails at start, not at the first refresh.
 *    Then trust `config.extraCaPem` besides the system roots (cloud/extra-ca.ts).
 * 3. Build one credential source per profile and the KMS/OOS clients on top of them.
 */
export function buildInjectorRuntime(name: 'init' | 'agent', env: Readonly<Record<string, string | undefined>>, overrides: RuntimeOverrides = {}): InjectorRuntime {
  // 1.
  const environment = readEnvironment(env);
  const config = parseInjectorConfig(environment.configText);
  const logger = createLogger({ name: `ack-secret-injector-${name}`, level: environment.logLevel }, overrides.logDestination);
  // 2.
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try { return f(); } catch (err) {
      if (err instanceof InjectorError) { problems.push(err.message); return undefined; }
      throw err;
    }
  };
  const sts = attempt(() => resolveStsEndpoint(config, environment));
  const oos = attempt(() => resolveOosEndpoint(config, environment));
  const kmsEndpoints = new Map<string, ResolvedEndpoint>();
  const entryEndpoints = new Set<string | undefined>([undefined]);
  for (const es of config.externalSecrets) {
    for (const d of [...es.data, ...es.dataProcess.flatMap((p) => (p.extract === undefined ? [] : [p.extract]))]) entryEndpoints.add(d.kmsEndpoint);
  }
  for (const e of entryEndpoints) {
    const r = attempt(() => resolveKmsEndpoint(e, config, environment));
    if (r !== undefined) kmsEndpoints.set(e ?? '', r);
  }
  if (problems.length > 0 || sts === undefined || oos === undefined) {
    throw new InjectorError(ErrorCode.CONFIG, `invalid endpoints:\n  - ${[...new Set(problems)].join('\n  - ')}`);
  }
  if (environment.testLoopbackEndpoint !== undefined) {
    logger.warn({ redirect: environment.testLoopbackEndpoint }, `${TEST_LOOPBACK_ENDPOINT_ENV} is set: every cloud call goes to a local test emulator`);
  }
  if (config.extraCaPem !== undefined) {
    const added = trustExtraCa(config.extraCaPem);
    logger.info({ extraCas: added }, 'trusting the extra CA bundle of settings.extraCaPem besides the system roots');
  }
  // 3.
  const stsApi = overrides.sts ?? new StsClient(sts);
  // 1 - [0, 1) is (0, 1]: a phase of 0 would put the pod's grid on its own start instant.
  const phase = config.refreshPhaseSpread === false ? undefined : 1 - (overrides.random ?? Math.random)();
  const credentials = new Map<string, CredentialSource>();
  for (const profile of config.profiles) {
    credentials.set(profile.id, buildCredentialSource(profile, {
      sts: stsApi,
      ...(phase === undefined ? {} : { phase }),
      tokenPath: config.tokenPath,
      ...(environment.testMetadataEndpoint === undefined ? {} : { metadataHost: environment.testMetadataEndpoint }),
      onStaleServe: (id, err) => logger.warn({ profile: id, err: err instanceof Error ? err.message : String(err) }, 'STS refresh failed; still using the unexpired credentials'),
    }));
  }
  const sourceFor = (id: string): CredentialSource => {
    const s = credentials.get(id);
    if (s === undefined) throw new InjectorError(ErrorCode.CONFIG, `unknown credential profile ${JSON.stringify(id)}`);
    return s;
  };
  const kms = new KmsClient(sourceFor, (entry) => {
    const r = kmsEndpoints.get(entry ?? '') ?? kmsEndpoints.get('');
    if (r === undefined) throw new InjectorError(ErrorCode.CONFIG, `KMS endpoint ${JSON.stringify(entry)} was not resolved at start`);
    return r;
  });
  const oosClient = new OosClient(sourceFor, oos, config.region);
  const fetchOne: FetchOne = (request) => (request.provider === 'kms' ? kms.getSecretValue(request) : oosClient.getSecretParameter(request));
  logger.info({
    region: config.region,
    endpoints: { sts: `${sts.host} (${sts.source})`, oos: `${oos.host} (${oos.source})`, kms: [...kmsEndpoints.values()].map((k) => `${k.host} (${k.source})`) },
    profiles: config.profiles.map((p) => ({ id: p.id, kind: p.kind, chained: p.remoteRoleArn !== undefined })),
    ...(config.profiles.some((p) => p.kind === 'ecsRole') ? { warning: 'an ecsRole profile uses the node\'s worker RAM role, shared by every pod on the node' } : {}),
    externalSecrets: config.externalSecrets.map((es) => es.name),
  }, 'injector starting');
  // The agent with spread refreshes paces each refresh's calls (rate-limit.ts agentPacing); init
  // and the unspread agent start every call at once within the default limit.
  const shortestInterval = Math.min(config.refreshIntervalSeconds, ...config.externalSecrets.map((es) => es.refreshIntervalSeconds ?? config.refreshIntervalSeconds));
  const limit = name === 'agent' && phase !== undefined ? agentPacing(collectFetches(config.externalSecrets, listFetches).length, shortestInterval) : DEFAULT_RATE_LIMIT;
  const fillLimiter = new RateLimiter(DEFAULT_RATE_LIMIT);
  return { config, environment, logger, metrics: createInjectorMetrics(), limiter: limit === DEFAULT_RATE_LIMIT ? fillLimiter : new RateLimiter(limit), fillLimiter, fetchOne, credentials, phase };
}
