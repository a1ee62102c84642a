/**
 * Which host the injector talks to for STS, KMS and OOS, and whether that host is acceptable.
 *
 * Priorities (issue 3; reference/ack-secret-manager-semantics.md §2.6-§2.7):
 * - STS: config `endpoints.sts` > `ALIBABA_CLOUD_STS_ENDPOINT` > `sts-vpc.<region>.aliyuncs.com`.
 * - KMS: the entry's `kmsEndpoint` > config `endpoints.kms` > `kms-vpc.<region>.aliyuncs.com`.
 * - OOS: config `endpoints.oos` > `oos-vpc.<region>.aliyuncs.com`.
 *
 * Validation follows ack-secret-manager 0.6.4+ (`kms/endpoint_validation.go`): a plain lower-case
 * Alibaba Cloud host name, no scheme, no port, no IP address, no other domain, so a config or an
 * ExternalSecret cannot point the pod's credentials at the metadata service (100.100.100.200) or
 * at an attacker's host. The only way to reach a loopback emulator is the clearly named test
 * redirect read in injector/environment.ts; it applies AFTER validation, so it cannot weaken it.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { InjectorConfig } from '../../contract/injector-config-schema.ts';
import type { InjectorEnvironment } from '../environment.ts';

/** The three services the injector calls. */
export const Service = { STS: 'sts', KMS: 'kms', OOS: 'oos' } as const;
export type Service = (typeof Service)[keyof typeof Service];

/**
 * Accepted host names per service. KMS is the exact regex of ack-secret-manager 0.6.4+
 * (semantics reference §2.7); STS and OOS apply the same rule to their own documented host
 * forms (alibaba-cloud-apis.md §2.1: `sts.aliyuncs.com`, `sts[-vpc].<region>.aliyuncs.com`;
 * §5: `oos[-vpc].<region>.aliyuncs.com`).
 */
export const ENDPOINT_PATTERNS: Readonly<Record<Service, RegExp>> = {
  sts: /^sts(-vpc)?(\.[a-z0-9-]+)?\.aliyuncs\.com$/,
  kms: /^(kms(-vpc)?\.[a-z0-9-]+\.aliyuncs\.com|[a-z0-9-]+\.cryptoservice\.kms\.aliyuncs\.com)$/,
  oos: /^oos(-vpc)?\.[a-z0-9-]+\.aliyuncs\.com$/,
};

/** A dedicated KMS 3.0 instance gateway; it needs the instance CA (alibaba-cloud-apis.md §4.1). */
const DEDICATED_KMS_RE = /^[a-z0-9-]+\.cryptoservice\.kms\.aliyuncs\.com$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Where one service call goes. */
export interface ResolvedEndpoint {
  service: Service;
  /** The validated Alibaba Cloud host name (what logs and metrics show). */
  host: string;
  /** Where the SDK connects: `host`, or the test loopback redirect when it is set. */
  connectTo: string;
  /** Which rule chose the host, for the start-up log line. */
  source: 'entry' | 'config' | 'environment' | 'default';
  /** PEM CA to trust instead of the system roots (dedicated KMS gateways only). */
  ca?: string;
}

/**
 * Why `host` is not an acceptable endpoint for `service`, or undefined when it is. The reasons
 * name the value and what is accepted.
 */
export function endpointProblem(service: Service, host: string): string | undefined {
  const v = host.trim();
  const accepted = `expected a host name like ${service === 'kms' ? 'kms-vpc.<region>.aliyuncs.com or <instance-id>.cryptoservice.kms.aliyuncs.com' : `${service}-vpc.<region>.aliyuncs.com`}`;
  if (v === '') return `empty ${service.toUpperCase()} endpoint; ${accepted}`;
  if (v.includes('://')) return `${JSON.stringify(host)} has a scheme; ${accepted} (no scheme)`;
  if (v.startsWith('[') || IPV4_RE.test(v.split(':')[0] ?? '')) return `${JSON.stringify(host)} is an IP address; ${accepted}`;
  if (v.includes(':')) return `${JSON.stringify(host)} has a port; ${accepted} (no port)`;
  if (v !== v.toLowerCase()) return `${JSON.stringify(host)} is not lower case; ${accepted}`;
  if (!ENDPOINT_PATTERNS[service].test(v)) return `${JSON.stringify(host)} is not an Alibaba Cloud ${service.toUpperCase()} endpoint; ${accepted}`;
  return undefined;
}

function finish(service: Service, host: string, source: ResolvedEndpoint['source'], env: Pick<InjectorEnvironment, 'testLoopbackEndpoint'>, ca?: string): ResolvedEndpoint {
  const problem = endpointProblem(service, host);
  if (problem !== undefined) {
    throw new InjectorError(ErrorCode.CONFIG, `${service.toUpperCase()} endpoint (from ${source}): ${problem}`, { detail: { service, source } });
  }
  const v = host.trim();
  const out: ResolvedEndpoint = { service, host: v, connectTo: env.testLoopbackEndpoint ?? v, source };
  if (ca !== undefined) out.ca = ca;
  return out;
}

/** STS: config > `ALIBABA_CLOUD_STS_ENDPOINT` > `sts-vpc.<region>.aliyuncs.com`. Throws E_CONFIG when invalid. */
export function resolveStsEndpoint(config: Pick<InjectorConfig, 'endpoints' | 'region'>, env: Pick<InjectorEnvironment, 'stsEndpoint' | 'testLoopbackEndpoint'>): ResolvedEndpoint {
  if (config.endpoints.sts !== undefined) return finish('sts', config.endpoints.sts, 'config', env);
  if (env.stsEndpoint !== undefined) return finish('sts', env.stsEndpoint, 'environment', env);
  return finish('sts', `sts-vpc.${config.region}.aliyuncs.com`, 'default', env);
}

/**
 * KMS: the entry's `kmsEndpoint` > config > `kms-vpc.<region>.aliyuncs.com`. A dedicated
 * instance gateway gets `config.kmsCaPem` as its CA; without one it is refused, since the
 * instance certificate is not signed by a public root (alibaba-cloud-apis.md §4.1).
 */
export function resolveKmsEndpoint(entryEndpoint: string | undefined, config: Pick<InjectorConfig, 'endpoints' | 'region' | 'kmsCaPem' | 'kmsInstanceCas'>, env: Pick<InjectorEnvironment, 'testLoopbackEndpoint'>): ResolvedEndpoint {
  let host: string;
  let source: ResolvedEndpoint['source'];
  if (entryEndpoint !== undefined && entryEndpoint !== '') { host = entryEndpoint; source = 'entry'; }
  else if (config.endpoints.kms !== undefined) { host = config.endpoints.kms; source = 'config'; }
  else { host = `kms-vpc.${config.region}.aliyuncs.com`; source = 'default'; }
  if (DEDICATED_KMS_RE.test(host.trim())) {
    // The instance's own CA (settings.kmsInstanceCAs, resolved per host by the webhook) wins over the one kmsCaPem.
    const ca = config.kmsInstanceCas?.[host.trim()] ?? config.kmsCaPem;
    if (ca === undefined) {
      throw new InjectorError(ErrorCode.CONFIG, `KMS endpoint ${JSON.stringify(host)} (from ${source}) is a dedicated KMS instance gateway; set the instance CA (config.kmsInstanceCas or config.kmsCaPem) so its certificate can be verified`, { detail: { service: 'kms', source } });
    }
    return finish('kms', host, source, env, ca);
  }
  return finish('kms', host, source, env);
}

/** OOS: config > `oos-vpc.<region>.aliyuncs.com`. */
export function resolveOosEndpoint(config: Pick<InjectorConfig, 'endpoints' | 'region'>, env: Pick<InjectorEnvironment, 'testLoopbackEndpoint'>): ResolvedEndpoint {
  if (config.endpoints.oos !== undefined) return finish('oos', config.endpoints.oos, 'config', env);
  return finish('oos', `oos-vpc.${config.region}.aliyuncs.com`, 'default', env);
}
