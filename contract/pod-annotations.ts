/**
 * The pod contract's keys (DESIGN.md §2): the opt-in label and every annotation the webhook reads
 * or writes. Constants only; what each accepts and means is the annotation table
 * (webhook/admission/annotations/table.ts), from which docs/annotations.md is generated.
 */

/** Every key below starts with this. */
export const PREFIX = 'secret-injector.alibabacloud.com/';

/** The opt-in label; the webhook's objectSelector matches it, so other pods never reach the webhook. */
export const INJECT_LABEL = `${PREFIX}inject`;

/** The annotations, by purpose. */
export const Annotation = {
  /** Required: comma-separated ExternalSecret names in the pod's namespace. */
  externalSecrets: `${PREFIX}external-secrets`,
  /** `sidecar` (init container + refreshing agent) or `init-only`. */
  mode: `${PREFIX}mode`,
  /** Go duration between refreshes; bounded below by settings.minRefreshInterval. */
  refreshInterval: `${PREFIX}refresh-interval`,
  /** Absolute path of the files in the app containers. */
  mountPath: `${PREFIX}mount-path`,
  /** Comma-separated app containers that get the mount (default: all). */
  containers: `${PREFIX}containers`,
  /** Written by the webhook; a pod that has `injected` is never patched again. */
  status: `${PREFIX}status`,
  cpuRequest: `${PREFIX}cpu-request`,
  cpuLimit: `${PREFIX}cpu-limit`,
  memoryRequest: `${PREFIX}memory-request`,
  memoryLimit: `${PREFIX}memory-limit`,
  /** Octal mode of the visible files, e.g. `0440`. */
  fileMode: `${PREFIX}file-mode`,
  /** Group id owning the files, so a non-root app in that group can read 0440 files. */
  fileGroup: `${PREFIX}file-group`,
  /** `true`/`false`: overrides settings.nativeSidecar for this pod. */
  nativeSidecar: `${PREFIX}native-sidecar`,
  /** `true`: with a native sidecar, drop the separate init container (the sidecar's startupProbe gates the app). */
  skipInit: `${PREFIX}skip-init`,
  /** After a refresh that changed files, call this localhost URL. */
  notifyUrl: `${PREFIX}notify-url`,
  /** After a refresh that changed files, send this signal to the main process of notify-container. */
  notifySignal: `${PREFIX}notify-signal`,
  notifyContainer: `${PREFIX}notify-container`,
  /** Remove an ExternalSecret's files after N refreshes that found every source gone (0: never); overrides settings.cleanupAfterFailures. */
  cleanupAfterFailures: `${PREFIX}cleanup-after-failures`,
  /** How long the init container keeps retrying throttled and transient failures (a duration, 1s-1h; default 10m). */
  initTimeout: `${PREFIX}init-timeout`,
} as const;

/** The value of the status annotation after injection. */
export const STATUS_INJECTED = 'injected';
