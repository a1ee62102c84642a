/**
 * The pod contract: every label and annotation the webhook reads or writes, as documented
 * constants, and one parser that turns a pod's annotations into typed options or into the full
 * list of problems (DESIGN.md §2, STYLE.md item 5). docs/annotations.md is the user-facing copy.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { DURATION_SYNTAX, formatSeconds, parseDurationSeconds } from '../../common/go-duration.ts';
import { QUANTITY_SYNTAX, parseQuantity } from './quantity.ts';
import type { ResourceSettings, Settings } from '../settings.ts';
import { INJECTOR_PATH_PREFIX } from '../pod/volumes.ts';

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
} as const;

/** The value of the status annotation after injection. */
export const STATUS_INJECTED = 'injected';
/** Default mount path (DESIGN.md §2). */
export const DEFAULT_MOUNT_PATH = '/var/run/secrets/alibabacloud';

/** Values of the mode annotation: a refreshing sidecar, or a one-time fetch (right for Jobs). */
export const MODES = ['sidecar', 'init-only'] as const;
/** One of MODES. */
export type Mode = (typeof MODES)[number];

/** Signals an app commonly reloads on; SIGKILL/SIGSTOP are excluded since they cannot mean "reload". */
export const NOTIFY_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGWINCH'] as const;

/**
 * Paths an app mount must never shadow: the OS folders and the kubelet's ServiceAccount mount.
 * Shadowing them would break the container in ways the user would not link to this webhook.
 */
const RESERVED_PATHS = [
  '/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/root', '/sbin', '/sys', '/usr', '/tmp',
  '/var', '/var/run', '/run', '/var/run/secrets', '/var/run/secrets/kubernetes.io',
  '/var/run/secrets/kubernetes.io/serviceaccount',
];
const NO_NESTING_UNDER = ['/proc', '/sys', '/dev', '/var/run/secrets/kubernetes.io', INJECTOR_PATH_PREFIX];

/** What the pod asked for, every default resolved. */
export interface PodOptions {
  externalSecrets: string[];
  mode: Mode;
  refreshIntervalSeconds: number;
  mountPath: string;
  /** The app containers that get the mount, in pod order. */
  containers: string[];
  resources: ResourceSettings;
  fileMode: number;
  fileGid?: number;
  /** Undefined → follow the settings. */
  nativeSidecar?: boolean;
  skipInit: boolean;
  notify?: { http?: { url: string }; signal?: { container: string; signal: string } };
}

/**
 * The options (a bad value replaced by its default, so later checks can still run and report
 * their own problems in the same denial) and every problem found; usable only when `problems` is
 * empty.
 */
export interface ParsedAnnotations {
  options: PodOptions;
  problems: string[];
}

const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NOTIFY_URL_RE = /^http:\/\/(127\.0\.0\.1|localhost)(?::(\d{1,5}))?(\/[^\s#]*)$/;

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim());
}

/** All app containers of the pod (spec.containers), in order. */
function appContainers(pod: V1Pod): V1Container[] {
  return pod.spec?.containers ?? [];
}

/**
 * Parses the pod's annotations against the settings. Every annotation is checked, and every
 * problem is reported at once; each message names the annotation, the value and what is accepted.
 */
export function parseAnnotations(pod: V1Pod, settings: Settings): ParsedAnnotations {
  const a = pod.metadata?.annotations ?? {};
  const p: string[] = [];
  const bad = (key: string, value: string, accepted: string): void => {
    p.push(`annotation ${key}: invalid value ${JSON.stringify(value)}; expected ${accepted}`);
  };
  const bool = (key: string): boolean | undefined => {
    const v = a[key];
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    bad(key, v, '"true" or "false"');
    return undefined;
  };
  const containerNames = appContainers(pod).map((c) => c.name);

  // 1. external-secrets: required, names unique, each a valid object name.
  const externalSecrets: string[] = [];
  const esRaw = a[Annotation.externalSecrets];
  if (esRaw === undefined || esRaw.trim() === '') {
    p.push(`annotation ${Annotation.externalSecrets}: required; expected a comma-separated list of ExternalSecret names in the pod's namespace`);
  } else {
    for (const name of splitList(esRaw)) {
      if (!K8S_NAME_RE.test(name) || name.length > 253) bad(Annotation.externalSecrets, esRaw, `comma-separated ExternalSecret names (lowercase DNS subdomain names); ${JSON.stringify(name)} is not one`);
      else if (externalSecrets.includes(name)) bad(Annotation.externalSecrets, esRaw, `each ExternalSecret named once; ${JSON.stringify(name)} is repeated`);
      else externalSecrets.push(name);
    }
  }

  // 2. mode.
  let mode: Mode = 'sidecar';
  const modeRaw = a[Annotation.mode];
  if (modeRaw !== undefined) {
    if ((MODES as readonly string[]).includes(modeRaw)) mode = modeRaw as Mode;
    else bad(Annotation.mode, modeRaw, MODES.map((m) => JSON.stringify(m)).join(' or '));
  }

  // 3. refresh-interval: bounded by the settings.
  let refreshIntervalSeconds = settings.defaultRefreshIntervalSeconds;
  const riRaw = a[Annotation.refreshInterval];
  if (riRaw !== undefined) {
    const s = parseDurationSeconds(riRaw);
    const accepted = `${DURATION_SYNTAX}, from ${formatSeconds(settings.minRefreshIntervalSeconds)} to 168h, whole seconds`;
    if (s === undefined || s < settings.minRefreshIntervalSeconds || s > 7 * 86400) bad(Annotation.refreshInterval, riRaw, accepted);
    else refreshIntervalSeconds = s;
  }

  // 4. containers: each must exist; default all.
  let containers = containerNames;
  const cRaw = a[Annotation.containers];
  if (cRaw !== undefined) {
    const names = splitList(cRaw);
    const unknown = names.filter((n) => !containerNames.includes(n));
    if (names.some((n) => n === '') || unknown.length > 0) {
      bad(Annotation.containers, cRaw, `a comma-separated list of this pod's containers (${containerNames.join(', ')})${unknown.length > 0 ? `; not in the pod: ${unknown.filter((u) => u !== '').join(', ') || '(empty name)'}` : ''}`);
    } else containers = containerNames.filter((n) => names.includes(n));
  }

  // 5. mount-path: absolute, normalised, not over a system path or an existing mount.
  let mountPath = DEFAULT_MOUNT_PATH;
  const mpRaw = a[Annotation.mountPath];
  if (mpRaw !== undefined) {
    const segments = mpRaw.split('/').slice(1);
    const normalised = mpRaw.startsWith('/') && mpRaw.length <= 1024 && segments.every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\0'));
    const acceptedPath = `an absolute path without "." or ".." segments, empty segments or a trailing slash, not a system folder (${RESERVED_PATHS.join(', ')}) and not under ${NO_NESTING_UNDER.join(', ')}`;
    if (!normalised || RESERVED_PATHS.includes(mpRaw) || NO_NESTING_UNDER.some((d) => mpRaw === d || mpRaw.startsWith(`${d}/`))) {
      bad(Annotation.mountPath, mpRaw, acceptedPath);
    } else mountPath = mpRaw;
  }
  for (const c of appContainers(pod)) {
    if (!containers.includes(c.name)) continue;
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === mountPath || m.mountPath === `${mountPath}/`)) {
      p.push(`annotation ${Annotation.mountPath}: container ${JSON.stringify(c.name)} already mounts a volume at ${JSON.stringify(mountPath)}; choose another path with ${Annotation.mountPath}`);
    }
  }

  // 6. Resources: quantities, merged over the settings, requests not above limits.
  const resources: ResourceSettings = {
    requests: { ...settings.resources.requests },
    limits: { ...settings.resources.limits },
  };
  const resourceKeys = [
    [Annotation.cpuRequest, 'requests', 'cpu'],
    [Annotation.cpuLimit, 'limits', 'cpu'],
    [Annotation.memoryRequest, 'requests', 'memory'],
    [Annotation.memoryLimit, 'limits', 'memory'],
  ] as const;
  let resourcesValid = true;
  for (const [key, kind, res] of resourceKeys) {
    const v = a[key];
    if (v === undefined) continue;
    if (parseQuantity(v) === undefined) { bad(key, v, QUANTITY_SYNTAX); resourcesValid = false; }
    else resources[kind][res] = v;
  }
  if (resourcesValid) {
    for (const res of ['cpu', 'memory'] as const) {
      if ((parseQuantity(resources.requests[res]) ?? 0) > (parseQuantity(resources.limits[res]) ?? Infinity)) {
        const reqKey = res === 'cpu' ? Annotation.cpuRequest : Annotation.memoryRequest;
        const limKey = res === 'cpu' ? Annotation.cpuLimit : Annotation.memoryLimit;
        p.push(`annotations ${reqKey}/${limKey}: the ${res} request ${resources.requests[res]} exceeds the ${res} limit ${resources.limits[res]}; Kubernetes requires request <= limit`);
      }
    }
  }

  // 7. file-mode and file-group (default group: the pod's fsGroup, which owns the tmpfs anyway).
  let fileMode = settings.fileMode;
  const fmRaw = a[Annotation.fileMode];
  if (fmRaw !== undefined) {
    const n = /^0?[0-7]{3}$/.test(fmRaw) ? parseInt(fmRaw, 8) : NaN;
    if (Number.isNaN(n) || (n & 0o444) === 0) bad(Annotation.fileMode, fmRaw, 'an octal file mode such as "0440" or "0400" that grants read to someone');
    else fileMode = n;
  }
  let fileGid: number | undefined = pod.spec?.securityContext?.fsGroup;
  const fgRaw = a[Annotation.fileGroup];
  if (fgRaw !== undefined) {
    const n = /^\d{1,10}$/.test(fgRaw) ? Number(fgRaw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) bad(Annotation.fileGroup, fgRaw, 'a numeric group id from 1 to 2147483647');
    else fileGid = n;
  }

  // 8. native-sidecar and skip-init (whether skip-init is possible is decided with the layout).
  const nativeSidecar = bool(Annotation.nativeSidecar);
  const skipInit = bool(Annotation.skipInit) ?? false;
  if (skipInit && mode === 'init-only') {
    p.push(`annotation ${Annotation.skipInit}: "true" cannot be combined with ${Annotation.mode}: "init-only" (there would be nothing left to fetch the secrets)`);
  }

  // 9. Notify: a localhost URL, and/or a signal to one app container.
  let notify: PodOptions['notify'];
  const urlRaw = a[Annotation.notifyUrl];
  if (urlRaw !== undefined) {
    const m = NOTIFY_URL_RE.exec(urlRaw);
    const port = m?.[2] === undefined ? 80 : Number(m[2]);
    if (m === null || port < 1 || port > 65535) bad(Annotation.notifyUrl, urlRaw, 'http://127.0.0.1[:PORT]/path or http://localhost[:PORT]/path (the app in the same pod)');
    else notify = { http: { url: urlRaw } };
  }
  const sigRaw = a[Annotation.notifySignal];
  const sigContainerRaw = a[Annotation.notifyContainer];
  if (sigRaw !== undefined) {
    const signal = sigRaw.toUpperCase().startsWith('SIG') ? sigRaw.toUpperCase() : `SIG${sigRaw.toUpperCase()}`;
    let container = sigContainerRaw;
    if (container === undefined && containerNames.length === 1) container = containerNames[0];
    if (!(NOTIFY_SIGNALS as readonly string[]).includes(signal)) bad(Annotation.notifySignal, sigRaw, NOTIFY_SIGNALS.join(', '));
    else if (container === undefined) {
      p.push(`annotation ${Annotation.notifyContainer}: required with ${Annotation.notifySignal} when the pod has more than one container; expected one of ${containerNames.join(', ')}`);
    } else if (!containerNames.includes(container)) {
      bad(Annotation.notifyContainer, container, `one of this pod's containers (${containerNames.join(', ')})`);
    } else notify = { ...notify, signal: { container, signal } };
  } else if (sigContainerRaw !== undefined) {
    p.push(`annotation ${Annotation.notifyContainer}: set to ${JSON.stringify(sigContainerRaw)} but ${Annotation.notifySignal} is missing; expected both or neither`);
  }
  if (notify !== undefined && mode === 'init-only') {
    p.push(`annotations ${Annotation.notifyUrl}/${Annotation.notifySignal}: need ${Annotation.mode}: "sidecar"; with "init-only" nothing refreshes the files, so there is nothing to notify about`);
  }

  const options: PodOptions = {
    externalSecrets, mode, refreshIntervalSeconds, mountPath, containers, resources, fileMode, skipInit,
    ...(fileGid === undefined ? {} : { fileGid }),
    ...(nativeSidecar === undefined ? {} : { nativeSidecar }),
    ...(notify === undefined ? {} : { notify }),
  };
  return { options, problems: p };
}
