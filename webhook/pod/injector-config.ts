/**
 * Builds the injector config (contract/injector-config-schema.ts) for one pod from its options, its
 * credential plan and the settings. The result is validated by `encodeInjectorConfig` before it
 * reaches the pod spec, so the webhook can never hand the injector a document it would refuse.
 */
import {
  INJECTOR_CONFIG_VERSION, encodeInjectorConfig, type InjectorConfig, type NotifyConfig,
} from '../../contract/injector-config-schema.ts';
import type { PodOptions } from '../admission/annotations/parse.ts';
import type { CredentialPlan } from '../admission/plan/credential-plan.ts';
import type { Settings } from '../settings.ts';
import { HANDOFF_PATH, TEMPLATES_DIR, TOKEN_PATH } from './volumes.ts';

/** Inputs of one pod's config. */
export interface InjectorConfigInput {
  namespace: string;
  serviceAccount: string;
  options: PodOptions;
  plan: Pick<CredentialPlan, 'profiles' | 'externalSecrets'> & Partial<Pick<CredentialPlan, 'kmsInstanceCas' | 'templateSources'>>;
  settings: Settings;
  /** The pod has both an init container and an agent: hand over through HANDOFF_PATH. */
  handoff?: boolean;
}

/** The config document (not yet encoded). */
export function buildInjectorConfig(input: InjectorConfigInput): InjectorConfig {
  const { options, settings } = input;
  const endpoints: InjectorConfig['endpoints'] = {};
  if (settings.stsEndpoint !== undefined) endpoints.sts = settings.stsEndpoint;
  if (settings.kmsEndpoint !== undefined) endpoints.kms = settings.kmsEndpoint;
  if (settings.oosEndpoint !== undefined) endpoints.oos = settings.oosEndpoint;
  const config: InjectorConfig = {
    version: INJECTOR_CONFIG_VERSION,
    pod: { namespace: input.namespace, serviceAccount: input.serviceAccount },
    region: settings.region,
    mountPath: options.mountPath,
    tokenPath: TOKEN_PATH,
    refreshIntervalSeconds: options.refreshIntervalSeconds,
    fileMode: options.fileMode,
    endpoints,
    profiles: input.plan.profiles,
    externalSecrets: input.plan.externalSecrets,
    healthPort: settings.healthPort,
  };
  if (options.fileGid !== undefined) config.fileGid = options.fileGid;
  if ((input.plan.templateSources ?? []).length > 0) config.templatesPath = TEMPLATES_DIR;
  if (settings.kmsCaPem !== undefined) config.kmsCaPem = settings.kmsCaPem;
  if (settings.agentNamedMetrics) config.namedMetrics = true;
  if (input.plan.kmsInstanceCas !== undefined && Object.keys(input.plan.kmsInstanceCas).length > 0) config.kmsInstanceCas = { ...input.plan.kmsInstanceCas };
  if (options.cleanupAfterFailures > 0 && options.mode === 'sidecar') config.cleanupAfterFailures = options.cleanupAfterFailures;
  if (settings.jmesPathRawFallback) config.jmesPathRawFallback = true;
  if (settings.extraCaPem !== undefined) config.extraCaPem = settings.extraCaPem;
  if (input.handoff === true) config.handoffPath = HANDOFF_PATH;
  if (options.initBudgetSeconds !== undefined) config.initBudgetSeconds = options.initBudgetSeconds;
  if (options.notify !== undefined) {
    const notify: NotifyConfig = {};
    if (options.notify.http !== undefined) notify.http = { url: options.notify.http.url };
    if (options.notify.signal !== undefined) notify.signal = { ...options.notify.signal };
    config.notify = notify;
  }
  return config;
}

/** Builds and encodes (validating) the config; throws E_CONFIG if the webhook produced an invalid one. */
export function encodePodInjectorConfig(input: InjectorConfigInput): string {
  return encodeInjectorConfig(buildInjectorConfig(input));
}
