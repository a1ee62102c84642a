/**
 * Rotation planning for the self-managed certificate mode: from what the Secret holds now (maybe
 * nothing) and the time, decide whether to keep everything, renew only the serving certificate,
 * or rotate the CA, and compute the trust bundle (`caBundle`) that keeps an old CA trusted for as
 * long as something it signed may still be served.
 *
 * `planRotation` is pure (no clock, no randomness, no I/O) so the decision table is unit-tested
 * exactly; `executeRotation` does the key generation the plan asks for.
 */
import { ErrorCode, InjectorError } from '../common/errors.ts';
import {
  DEFAULT_CA_LIFETIME_MS,
  DEFAULT_SERVING_LIFETIME_MS,
  elapsedFraction,
  formatCertificateBundle,
  generateCertificateAuthority,
  generateServingCertificate,
  isExpired,
  isIssuedBy,
  keyMatchesCertificate,
  parseCertificateBundle,
  parseCertificatePem,
  servingDnsNames,
  type CertificateInfo,
} from './certificate-authority.ts';

/**
 * Renew a certificate once this share of its lifetime has passed, i.e. when a third is left.
 * That is cert-manager's default `renewBefore` ("defaults to 1/3 of the issued certificate's
 * lifetime", https://cert-manager.io/docs/usage/certificate/#renewal); with the default
 * 90-day serving certificate it renews 30 days before expiry, with the 1-year CA about four
 * months before, which leaves the overlap bundle ample time to reach every API server.
 */
export const RENEW_AT_ELAPSED_FRACTION = 2 / 3;

/** The Secret keys. `tls.crt`/`tls.key` follow the kubernetes.io/tls type; `ca.crt` is cert-manager's name. */
export const SECRET_KEYS = {
  servingCert: 'tls.crt',
  servingKey: 'tls.key',
  /** The trust bundle: the current CA first, then every CA still retained for the overlap. */
  caBundle: 'ca.crt',
  /** The current CA's private key (only the holder of the Lease reads it). */
  caKey: 'ca.key',
} as const;

/**
 * Annotation on the Secret recording until when each retired CA stays in the bundle:
 * JSON `{ "<sha256 fingerprint>": "<ISO time>" }`. An annotation, not a data key, so it is
 * never mounted as a file and it is readable without the private keys.
 */
export const RETAIN_UNTIL_ANNOTATION = 'secret-injector.alibabacloud.com/ca-retain-until';

/** The certificate material as stored in the Secret (PEM text, already base64-decoded). */
export interface CertificateState {
  servingCertPem?: string;
  servingKeyPem?: string;
  caBundlePem?: string;
  caKeyPem?: string;
  /** Fingerprint → ISO time until which that retired CA stays in the bundle. */
  retainUntil?: Readonly<Record<string, string>>;
}

/** What the serving certificate must look like, and the lifetimes to issue with. */
export interface RotationPolicy {
  serviceName: string;
  namespace: string;
  extraDnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  caLifetimeMs?: number;
  servingLifetimeMs?: number;
  caCommonName?: string;
}

/** The decision. `create`: nothing usable existed; `prune-bundle`: only retired CAs dropped. */
export const RotationAction = {
  KEEP: 'keep',
  PRUNE_BUNDLE: 'prune-bundle',
  RENEW_SERVING: 'renew-serving',
  ROTATE_CA: 'rotate-ca',
  CREATE: 'create',
} as const;
export type RotationAction = (typeof RotationAction)[keyof typeof RotationAction];

/** A retired CA that stays trusted until `until`. */
export interface RetainedCa {
  ca: CertificateInfo;
  until: Date;
}

/** The output of {@link planRotation}. */
export interface RotationPlan {
  action: RotationAction;
  /** Why, one entry per finding; safe to log. */
  reasons: string[];
  /** The CA to keep signing with (absent when a new one must be generated). */
  keepCa?: CertificateInfo;
  /** Retired CAs that stay in the bundle after this plan is executed. */
  retained: RetainedCa[];
  /** Fingerprints of the CAs this plan drops from the bundle, and why. */
  dropped: { fingerprint: string; subject: string; reason: string }[];
  /** The earliest time at which planning again could change something. */
  nextCheckAt: Date;
}

/** The Secret contents and bundle after {@link executeRotation}. */
export interface RotationResult {
  plan: RotationPlan;
  state: Required<CertificateState>;
  /** Whether anything differs from the input state (whether the Secret must be written). */
  changed: boolean;
}

/**
 * Decides what to do with the current certificates at `now`. Steps:
 * 1. Parse the stored bundle and find the current CA: the bundle entry whose key is `ca.key`.
 * 2. The CA needs replacing when there is none, it has expired, or 2/3 of its life has passed.
 * 3. The serving certificate needs replacing when the CA does, or when it is missing, does not
 *    match its key, was not issued by the current CA, lacks a wanted SAN, or is at 2/3 of its life.
 * 4. Every other CA in the bundle is retired: it stays until its recorded retain-until time (or
 *    its own expiry when nothing was recorded); expired ones are dropped.
 * 5. When the CA is rotated, the old one joins the retired set until the old serving
 *    certificate's expiry (nothing else it signed is in use), capped at the old CA's expiry.
 */
export function planRotation(current: CertificateState | null, policy: RotationPolicy, now: Date): RotationPlan {
  const reasons: string[] = [];
  const dropped: RotationPlan['dropped'] = [];
  const retained: RetainedCa[] = [];

  // 1. The bundle and the current CA.
  const bundle = safeBundle(current?.caBundlePem, reasons);
  const caKeyPem = current?.caKeyPem;
  const currentCa = caKeyPem === undefined ? undefined : bundle.find((c) => c.isCa && keyMatchesCertificate(c, caKeyPem));
  if (current !== null && bundle.length > 0 && currentCa === undefined) reasons.push('no certificate in ca.crt matches ca.key');

  // 2. Is the CA usable for a while longer?
  let rotateCa = false;
  if (currentCa === undefined) {
    rotateCa = true;
    if (current === null || (current.caBundlePem === undefined && current.caKeyPem === undefined)) reasons.push('no CA yet');
  } else if (isExpired(currentCa, now)) {
    rotateCa = true;
    reasons.push(`CA ${currentCa.subject} expired at ${currentCa.notAfter.toISOString()}`);
  } else if (elapsedFraction(currentCa, now) >= RENEW_AT_ELAPSED_FRACTION) {
    rotateCa = true;
    reasons.push(`CA ${currentCa.subject} is past 2/3 of its lifetime (expires ${currentCa.notAfter.toISOString()})`);
  }

  // 3. Is the serving certificate still right?
  const serving = safeCert(current?.servingCertPem);
  let renewServing = rotateCa;
  if (!rotateCa && currentCa !== undefined) {
    const problem = servingProblem(serving, current?.servingKeyPem, currentCa, policy, now);
    if (problem !== undefined) {
      renewServing = true;
      reasons.push(problem);
    }
  }

  // 4. The retired CAs already in the bundle.
  const retainUntil = current?.retainUntil ?? {};
  for (const ca of bundle) {
    if (ca === currentCa) continue;
    const recorded = retainUntil[ca.fingerprint256];
    const until = minDate(ca.notAfter, recorded === undefined ? ca.notAfter : parseIso(recorded, ca.notAfter));
    if (now.getTime() >= until.getTime()) {
      const why = isExpired(ca, now) ? `expired at ${ca.notAfter.toISOString()}` : `overlap ended at ${until.toISOString()}`;
      dropped.push({ fingerprint: ca.fingerprint256, subject: ca.subject, reason: why });
    } else {
      retained.push({ ca, until });
    }
  }

  // 5. The CA being rotated out joins the retired set while its serving certificate may be in use.
  if (rotateCa && currentCa !== undefined) {
    if (isExpired(currentCa, now)) {
      dropped.push({ fingerprint: currentCa.fingerprint256, subject: currentCa.subject, reason: `expired at ${currentCa.notAfter.toISOString()}` });
    } else {
      const oldServingValid = serving !== undefined && !isExpired(serving, now) && isIssuedBy(serving, currentCa);
      const until = oldServingValid ? minDate(serving.notAfter, currentCa.notAfter) : currentCa.notAfter;
      retained.unshift({ ca: currentCa, until });
    }
  }

  const action: RotationAction = rotateCa
    ? currentCa === undefined && bundle.length === 0 ? RotationAction.CREATE : RotationAction.ROTATE_CA
    : renewServing
      ? RotationAction.RENEW_SERVING
      : dropped.length > 0
        ? RotationAction.PRUNE_BUNDLE
        : RotationAction.KEEP;
  for (const d of dropped) reasons.push(`dropping CA ${d.subject} from the bundle: ${d.reason}`);
  if (action === RotationAction.KEEP) reasons.push('certificates are current');

  const plan: RotationPlan = { action, reasons, retained, dropped, nextCheckAt: nextCheck(policy, now, rotateCa ? undefined : currentCa, renewServing ? undefined : serving, retained) };
  if (!rotateCa && currentCa !== undefined) plan.keepCa = currentCa;
  return plan;
}

/**
 * Carries out a plan: generates what it asks for and assembles the new Secret state. The bundle
 * is the signing CA followed by the retained CAs, so a replica still serving a certificate from
 * the old CA keeps working until it has loaded the new one.
 */
export async function executeRotation(current: CertificateState | null, policy: RotationPolicy, plan: RotationPlan, now: Date): Promise<RotationResult> {
  let caCertPem: string;
  let caKeyPem: string;
  let servingCertPem = current?.servingCertPem;
  let servingKeyPem = current?.servingKeyPem;
  if (plan.keepCa === undefined) {
    const ca = await generateCertificateAuthority({
      commonName: policy.caCommonName ?? `${policy.serviceName}.${policy.namespace} webhook CA`,
      now,
      lifetimeMs: policy.caLifetimeMs ?? DEFAULT_CA_LIFETIME_MS,
    });
    caCertPem = ca.certPem;
    caKeyPem = ca.keyPem;
  } else {
    caCertPem = plan.keepCa.pem;
    caKeyPem = requireDefined(current?.caKeyPem, 'ca.key');
  }
  if (plan.action === RotationAction.CREATE || plan.action === RotationAction.ROTATE_CA || plan.action === RotationAction.RENEW_SERVING) {
    const serving = await generateServingCertificate({
      ca: { certPem: caCertPem, keyPem: caKeyPem },
      serviceName: policy.serviceName,
      namespace: policy.namespace,
      ...(policy.extraDnsNames === undefined ? {} : { extraDnsNames: policy.extraDnsNames }),
      ...(policy.ipAddresses === undefined ? {} : { ipAddresses: policy.ipAddresses }),
      now,
      lifetimeMs: policy.servingLifetimeMs ?? DEFAULT_SERVING_LIFETIME_MS,
    });
    servingCertPem = serving.certPem;
    servingKeyPem = serving.keyPem;
  }
  const signing = parseCertificatePem(caCertPem);
  const caBundlePem = formatCertificateBundle([signing, ...plan.retained.map((r) => r.ca)]);
  const retainUntil: Record<string, string> = {};
  for (const r of plan.retained) retainUntil[r.ca.fingerprint256] = r.until.toISOString();
  const state: Required<CertificateState> = {
    servingCertPem: requireDefined(servingCertPem, 'tls.crt'),
    servingKeyPem: requireDefined(servingKeyPem, 'tls.key'),
    caBundlePem,
    caKeyPem,
    retainUntil,
  };
  const changed =
    current === null ||
    current.servingCertPem !== state.servingCertPem ||
    current.servingKeyPem !== state.servingKeyPem ||
    current.caBundlePem !== state.caBundlePem ||
    current.caKeyPem !== state.caKeyPem ||
    JSON.stringify(sortedRecord(current.retainUntil ?? {})) !== JSON.stringify(sortedRecord(retainUntil));
  return { plan, state, changed };
}

/** Plans and executes in one step: what the Lease holder runs on every tick. */
export async function rotate(current: CertificateState | null, policy: RotationPolicy, now: Date): Promise<RotationResult> {
  return executeRotation(current, policy, planRotation(current, policy, now), now);
}

/** Reads the retain-until annotation; a malformed value counts as "nothing recorded" (retain until expiry). */
export function parseRetainUntil(annotation: string | undefined): Record<string, string> {
  if (annotation === undefined || annotation === '') return {};
  try {
    const parsed: unknown = JSON.parse(annotation);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** Serialises the retain-until record for the annotation (keys sorted, so it is stable). */
export function formatRetainUntil(retainUntil: Readonly<Record<string, string>>): string {
  return JSON.stringify(sortedRecord(retainUntil));
}

function servingProblem(serving: CertificateInfo | undefined, keyPem: string | undefined, ca: CertificateInfo, policy: RotationPolicy, now: Date): string | undefined {
  if (serving === undefined) return 'no serving certificate yet';
  if (keyPem === undefined || !keyMatchesCertificate(serving, keyPem)) return 'tls.key does not match tls.crt';
  if (!isIssuedBy(serving, ca)) return 'the serving certificate was not issued by the current CA';
  const wantedDns = [...servingDnsNames(policy.serviceName, policy.namespace), ...(policy.extraDnsNames ?? [])];
  const missingDns = wantedDns.filter((n) => !serving.dnsNames.includes(n));
  const missingIps = (policy.ipAddresses ?? []).filter((ip) => !serving.ipAddresses.includes(normaliseIp(ip)));
  if (missingDns.length > 0 || missingIps.length > 0) return `the serving certificate lacks SANs ${[...missingDns, ...missingIps].join(', ')}`;
  if (isExpired(serving, now)) return `the serving certificate expired at ${serving.notAfter.toISOString()}`;
  if (elapsedFraction(serving, now) >= RENEW_AT_ELAPSED_FRACTION) return `the serving certificate is past 2/3 of its lifetime (expires ${serving.notAfter.toISOString()})`;
  return undefined;
}

function nextCheck(policy: RotationPolicy, now: Date, ca: CertificateInfo | undefined, serving: CertificateInfo | undefined, retained: readonly RetainedCa[]): Date {
  const renewAt = (c: CertificateInfo): number => c.notBefore.getTime() + (c.notAfter.getTime() - c.notBefore.getTime()) * RENEW_AT_ELAPSED_FRACTION;
  // After generating, the next decision point is 2/3 into the new certificates' lives.
  const servingNext = serving === undefined ? now.getTime() + (policy.servingLifetimeMs ?? DEFAULT_SERVING_LIFETIME_MS) * RENEW_AT_ELAPSED_FRACTION : renewAt(serving);
  const caNext = ca === undefined ? now.getTime() + (policy.caLifetimeMs ?? DEFAULT_CA_LIFETIME_MS) * RENEW_AT_ELAPSED_FRACTION : renewAt(ca);
  return new Date(Math.min(servingNext, caNext, ...retained.map((r) => r.until.getTime())));
}

// node:crypto prints IPv6 SANs fully expanded (0:0:0:0:0:0:0:1); compare in that form.
function normaliseIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, '').toUpperCase()).join(':');
}

function safeBundle(pem: string | undefined, reasons: string[]): CertificateInfo[] {
  if (pem === undefined || pem === '') return [];
  try {
    return parseCertificateBundle(pem);
  } catch {
    reasons.push('ca.crt does not parse as PEM certificates');
    return [];
  }
}

function safeCert(pem: string | undefined): CertificateInfo | undefined {
  if (pem === undefined || pem === '') return undefined;
  try {
    return parseCertificatePem(pem);
  } catch {
    return undefined;
  }
}

function parseIso(value: string, fallback: Date): Date {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? fallback : d;
}

function minDate(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function requireDefined(value: string | undefined, key: string): string {
  if (value === undefined) throw new InjectorError(ErrorCode.CERT, `the certificate Secret has no ${key} although the plan keeps it`);
  return value;
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
