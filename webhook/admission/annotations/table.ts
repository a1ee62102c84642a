/**
 * The annotation table (STYLE.md item 5, as vault-k8s keeps its annotation constants together):
 * one entry per label or annotation with its key, default, what is accepted and what it means —
 * the docs columns, from which docs/annotations.md's table is generated — and the code that reads
 * it. `read` parses a present value into the draft options; `check` runs after it, present or
 * not, for the rules that involve other annotations or the pod. parse.ts runs the table in order,
 * so the order of the entries is the order of the problems in a denial.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { DURATION_SYNTAX, formatSeconds, parseDurationSeconds } from '../../../common/go-duration.ts';
import { Annotation, INJECT_LABEL, STATUS_INJECTED } from '../../../contract/pod-annotations.ts';
import { SETTING_DEFAULTS, type ResourceSettings, type Settings } from '../../settings.ts';
import { parseQuantity, QUANTITY_SYNTAX } from '../quantity.ts';
import { DEFAULT_MOUNT_PATH, MODES, NOTIFY_SIGNALS, type Mode, type PodOptions } from './options.ts';
import { checkMountPathConflicts, mountPathProblem, MOUNT_PATH_ACCEPTED_DOC } from './mount-path.ts';
import { invalid } from './table-format.ts';
import { LIST_ITEM_CHARS, boundedList, nameExcerpt, quote } from '../../../common/excerpt.ts';
import { MAX_EXTERNAL_SECRETS } from '../limits.ts';

/** What the readers see besides the value. */
export interface AnnotationContext {
  readonly pod: V1Pod;
  readonly settings: Settings;
  readonly annotations: Readonly<Record<string, string>>;
  /** Annotations present but refused before the table ran (over the size limit, not a string); already reported. */
  readonly refused: ReadonlySet<string>;
  /** spec.containers names, in order. */
  readonly containerNames: readonly string[];
}

/** The options being built: PodOptions plus what the cross-annotation checks need. */
export interface Draft extends PodOptions {
  /** notify-signal, normalised (`SIGHUP`); null when it was invalid (already reported). */
  signal?: string | null;
  /** False when a resource annotation was not a quantity (the request/limit order is then not checked). */
  resourcesValid: boolean;
}

/** One row of the table. */
export interface AnnotationSpec {
  readonly key: string;
  readonly kind: 'label' | 'annotation';
  /** Docs columns (Markdown). */
  readonly default: string;
  readonly accepted: string;
  readonly meaning: string;
  /** Reads a present value into the draft; returns its problems. */
  readonly read?: (raw: string, draft: Draft, ctx: AnnotationContext) => readonly string[];
  /** After `read`, present or not: rules across annotations; returns their problems. */
  readonly check?: (draft: Draft, ctx: AnnotationContext) => readonly string[];
}


const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NOTIFY_URL_RE = /^http:\/\/(127\.0\.0\.1|localhost)(?::(\d{1,5}))?(\/[^\s#]*)$/;
const splitList = (v: string): string[] => v.split(',').map((s) => s.trim());
/** A pod's container name in a list: bare, or a short quoted excerpt (a forged name may be 1 MB; the API server validates names only after mutating admission). */
const listName = (n: string): string => nameExcerpt(n, LIST_ITEM_CHARS);
const bool = (key: string, raw: string, set: (v: boolean) => void): string[] => {
  if (raw === 'true' || raw === 'false') { set(raw === 'true'); return []; }
  return [invalid(key, raw, '"true" or "false"')];
};

/**
 * external-secrets: required, at most MAX_EXTERNAL_SECRETS names, each a valid object name, each
 * once. One problem per kind of mistake, naming a bounded list of the names (linear in the value).
 */
function readExternalSecrets(raw: string, draft: Draft): string[] {
  if (raw.trim() === '') return [];
  const names = splitList(raw);
  if (names.length > MAX_EXTERNAL_SECRETS) {
    return [invalid(Annotation.externalSecrets, raw, `at most ${MAX_EXTERNAL_SECRETS} comma-separated ExternalSecret names; it names ${names.length}`)];
  }
  const seen = new Set<string>();
  const bad: string[] = [];
  const repeated: string[] = [];
  for (const name of names) {
    if (!K8S_NAME_RE.test(name) || name.length > 253) bad.push(name);
    else if (seen.has(name)) repeated.push(name);
    else { seen.add(name); draft.externalSecrets.push(name); }
  }
  const problems: string[] = [];
  if (bad.length > 0) problems.push(invalid(Annotation.externalSecrets, raw, `comma-separated ExternalSecret names (lowercase DNS subdomain names); ${boundedList(bad, (n) => quote(n, LIST_ITEM_CHARS))} ${bad.length === 1 ? 'is not one' : 'are not'}`));
  if (repeated.length > 0) problems.push(invalid(Annotation.externalSecrets, raw, `each ExternalSecret named once; ${boundedList(repeated, (n) => quote(n, LIST_ITEM_CHARS))} ${repeated.length === 1 ? 'is' : 'are'} repeated`));
  return problems;
}

/** containers: each must be in spec.containers; the draft keeps pod order. Linear: sets, bounded lists. */
function readContainers(raw: string, draft: Draft, ctx: AnnotationContext): string[] {
  const names = new Set(splitList(raw));
  const known = ctx.containerNames;
  const knownSet = new Set(known);
  const unknown = [...names].filter((n) => n !== '' && !knownSet.has(n));
  if (names.has('') || unknown.length > 0) {
    return [invalid(Annotation.containers, raw, `a comma-separated list of this pod's containers (${boundedList(known, listName)})${unknown.length > 0 ? `; not in the pod: ${boundedList(unknown, listName)}` : '; (empty name)'}`)];
  }
  draft.containers = known.filter((n) => names.has(n));
  return [];
}

/** A resource annotation: a quantity, merged over the settings. */
function resourceEntry(key: string, kind: 'requests' | 'limits', res: 'cpu' | 'memory', docs: Pick<AnnotationSpec, 'default' | 'accepted' | 'meaning'>): AnnotationSpec {
  return {
    key, kind: 'annotation', ...docs,
    read: (raw, draft) => {
      if (parseQuantity(raw) === undefined) { draft.resourcesValid = false; return [invalid(key, raw, QUANTITY_SYNTAX)]; }
      draft.resources[kind][res] = raw;
      return [];
    },
  };
}

/** Requests not above limits (Kubernetes refuses such a container). */
function checkResourceOrder(draft: Draft): string[] {
  if (!draft.resourcesValid) return [];
  const problems: string[] = [];
  const r: ResourceSettings = draft.resources;
  for (const res of ['cpu', 'memory'] as const) {
    if ((parseQuantity(r.requests[res]) ?? 0) > (parseQuantity(r.limits[res]) ?? Infinity)) {
      const reqKey = res === 'cpu' ? Annotation.cpuRequest : Annotation.memoryRequest;
      const limKey = res === 'cpu' ? Annotation.cpuLimit : Annotation.memoryLimit;
      problems.push(`annotations ${reqKey}/${limKey}: the ${res} request ${r.requests[res]} exceeds the ${res} limit ${r.limits[res]}; Kubernetes requires request <= limit`);
    }
  }
  return problems;
}

/** notify-container: resolves the signal's target (the only container by default). */
function checkNotifyTarget(draft: Draft, ctx: AnnotationContext): string[] {
  const raw = ctx.annotations[Annotation.notifyContainer];
  if (draft.signal === undefined) {
    return raw === undefined ? [] : [`annotation ${Annotation.notifyContainer}: set to ${quote(raw)} but ${Annotation.notifySignal} is missing; expected both or neither`];
  }
  if (draft.signal === null) return [];
  const container = raw ?? (ctx.containerNames.length === 1 ? ctx.containerNames[0] : undefined);
  if (container === undefined) return [`annotation ${Annotation.notifyContainer}: required with ${Annotation.notifySignal} when the pod has more than one container; expected one of ${boundedList(ctx.containerNames, listName)}`];
  if (!ctx.containerNames.includes(container)) return [invalid(Annotation.notifyContainer, container, `one of this pod's containers (${boundedList(ctx.containerNames, listName)})`)];
  draft.notify = { ...draft.notify, signal: { container, signal: draft.signal } };
  return [];
}

/** Every label and annotation of the pod contract, in the order their problems are reported. */
export const ANNOTATION_TABLE: readonly AnnotationSpec[] = [
  {
    key: INJECT_LABEL, kind: 'label', default: '–', accepted: '`"true"` (exactly)',
    meaning: 'Opt-in. The webhook\'s `objectSelector` matches it, so other pods never reach the webhook. Any other value means "not opted in".',
  },
  {
    key: Annotation.externalSecrets, kind: 'annotation', default: '**required**',
    accepted: `comma-separated ExternalSecret names (DNS subdomain names), each once, at most ${MAX_EXTERNAL_SECRETS}`,
    meaning: 'The ExternalSecrets (in the pod\'s namespace) whose keys become files `<mount-path>/<ExternalSecret name>/<key>`.',
    read: readExternalSecrets,
    check: (_d, ctx) => (!ctx.refused.has(Annotation.externalSecrets) && (ctx.annotations[Annotation.externalSecrets] ?? '').trim() === ''
      ? [`annotation ${Annotation.externalSecrets}: required; expected a comma-separated list of ExternalSecret names in the pod's namespace`] : []),
  },
  {
    key: Annotation.mode, kind: 'annotation', default: '`sidecar`', accepted: '`sidecar`, `init-only`',
    meaning: '`sidecar`: init container + refreshing agent. `init-only`: fetch once before the app starts (right for Jobs; nothing refreshes).',
    read: (raw, draft) => {
      if (!(MODES as readonly string[]).includes(raw)) return [invalid(Annotation.mode, raw, MODES.map((m) => JSON.stringify(m)).join(' or '))];
      draft.mode = raw as Mode;
      return [];
    },
  },
  {
    key: Annotation.refreshInterval, kind: 'annotation', default: `setting \`defaultRefreshInterval\` (${SETTING_DEFAULTS.defaultRefreshInterval})`,
    accepted: `Go duration (\`90s\`, \`5m\`, \`1h30m\`, \`1.5h\`), whole seconds, from setting \`minRefreshInterval\` (${SETTING_DEFAULTS.minRefreshInterval}) to \`168h\``,
    meaning: 'How often the agent re-reads the secrets. When set, it overrides every ExternalSecret\'s `spec.rotationInterval` (a warning names each one overridden); unset, each ExternalSecret refreshes at its own `rotationInterval` or this default.',
    read: (raw, draft, ctx) => {
      const s = parseDurationSeconds(raw);
      const min = ctx.settings.minRefreshIntervalSeconds;
      if (s === undefined || s < min || s > 7 * 86400) return [invalid(Annotation.refreshInterval, raw, `${DURATION_SYNTAX}, from ${formatSeconds(min)} to 168h, whole seconds`)];
      draft.refreshIntervalSeconds = s;
      draft.refreshIntervalFromAnnotation = true;
      return [];
    },
  },
  {
    key: Annotation.cleanupAfterFailures, kind: 'annotation', default: `setting \`cleanupAfterFailures\` (${SETTING_DEFAULTS.cleanupAfterFailures}: never)`,
    accepted: 'an integer from 0 to 2880',
    meaning: 'Opt-in counterpart of ack-secret-manager\'s `cleanupSecretOnFailure`: after this many refreshes in a row in which every source of an ExternalSecret is gone for good (not found, access denied), its files are removed. 0 keeps the last good files forever.',
    read: (raw, draft) => {
      if (!/^\d{1,4}$/.test(raw) || Number(raw) > 2880) return [invalid(Annotation.cleanupAfterFailures, raw, 'an integer from 0 to 2880')];
      draft.cleanupAfterFailures = Number(raw);
      return [];
    },
  },
  {
    key: Annotation.initTimeout, kind: 'annotation', default: '`10m`',
    accepted: `${DURATION_SYNTAX}, whole seconds, from \`1s\` to \`1h\``,
    meaning: 'How long the init container keeps retrying throttled and other transient cloud errors (jittered exponential backoff) before it fails; errors that waiting cannot fix (access denied, not found, bad config) fail at once. Ten minutes covers a rollout of thousands of pods against the account\'s STS quota (docs/benchmarks.md "Fleet").',
    read: (raw, draft) => {
      const s = parseDurationSeconds(raw);
      if (s === undefined || s < 1 || s > 3600) return [invalid(Annotation.initTimeout, raw, `${DURATION_SYNTAX}, whole seconds, from 1s to 1h`)];
      draft.initBudgetSeconds = s;
      return [];
    },
  },
  {
    key: Annotation.containers, kind: 'annotation', default: 'all containers in `spec.containers`',
    accepted: 'comma-separated names of containers in `spec.containers`',
    meaning: 'Which app containers get the read-only mount. App init containers never get it (the injector\'s init container runs after them).',
    read: readContainers,
  },
  {
    key: Annotation.mountPath, kind: 'annotation', default: `\`${DEFAULT_MOUNT_PATH}\``, accepted: MOUNT_PATH_ACCEPTED_DOC,
    meaning: 'Where the files appear in the app containers (read-only).',
    read: (raw, draft, ctx) => {
      const problem = mountPathProblem(raw, ctx.settings);
      if (problem !== undefined) return [problem];
      draft.mountPath = raw;
      return [];
    },
    check: (draft, ctx) => checkMountPathConflicts(ctx.pod, draft.containers, draft.mountPath),
  },
  resourceEntry(Annotation.cpuRequest, 'requests', 'cpu', { default: `setting \`resources\` (${SETTING_DEFAULTS.resources.requests.cpu})`, accepted: 'Kubernetes quantity (`50m`, `0.5`, `1`)', meaning: 'CPU request of both injector containers; must not exceed the limit.' }),
  resourceEntry(Annotation.cpuLimit, 'limits', 'cpu', { default: `setting \`resources\` (${SETTING_DEFAULTS.resources.limits.cpu})`, accepted: 'Kubernetes quantity (`50m`, `0.5`, `1`)', meaning: 'CPU limit of both injector containers.' }),
  resourceEntry(Annotation.memoryRequest, 'requests', 'memory', { default: `setting \`resources\` (${SETTING_DEFAULTS.resources.requests.memory})`, accepted: 'Kubernetes quantity (`64Mi`, `1Gi`)', meaning: 'Memory request of both injector containers; must not exceed the limit.' }),
  {
    ...resourceEntry(Annotation.memoryLimit, 'limits', 'memory', { default: `setting \`resources\` (${SETTING_DEFAULTS.resources.limits.memory})`, accepted: 'Kubernetes quantity (`64Mi`, `1Gi`)', meaning: 'Memory limit of both injector containers; the Node heap options follow it.' }),
    check: checkResourceOrder,
  },
  {
    key: Annotation.fileMode, kind: 'annotation', default: `setting \`fileMode\` (\`0${SETTING_DEFAULTS.fileMode.toString(8)}\`)`,
    accepted: 'octal `0400`…`0777` (`0440`, `440`) granting read to someone', meaning: 'Mode of the visible files.',
    read: (raw, draft) => {
      const n = /^0?[0-7]{3}$/.test(raw) ? parseInt(raw, 8) : NaN;
      if (Number.isNaN(n) || (n & 0o444) === 0) return [invalid(Annotation.fileMode, raw, 'an octal file mode such as "0440" or "0400" that grants read to someone')];
      draft.fileMode = n;
      return [];
    },
  },
  {
    key: Annotation.fileGroup, kind: 'annotation', default: 'the pod\'s `securityContext.fsGroup`, if set', accepted: 'numeric gid 1…2147483647',
    meaning: 'Group owning the files (the injector containers run with this `runAsGroup`), so a non-root app in that group can read `0440` files.',
    read: (raw, draft) => {
      const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) return [invalid(Annotation.fileGroup, raw, 'a numeric group id from 1 to 2147483647')];
      draft.fileGid = n;
      return [];
    },
  },
  {
    key: Annotation.nativeSidecar, kind: 'annotation', default: 'setting `nativeSidecar` (auto: API server ≥ 1.29)', accepted: '`true`, `false`',
    meaning: 'Run the agent as a native sidecar (an init container with `restartPolicy: Always`) instead of a classic container.',
    read: (raw, draft) => bool(Annotation.nativeSidecar, raw, (v) => { draft.nativeSidecar = v; }),
  },
  {
    key: Annotation.skipInit, kind: 'annotation', default: '`false`', accepted: '`true`, `false`',
    meaning: 'With a native sidecar only: drop the separate init container. The agent\'s startupProbe (`GET /ready` on the health port, passes after the first complete write) holds the app containers back until the files exist. Denied with a classic sidecar or `mode: init-only`.',
    read: (raw, draft) => bool(Annotation.skipInit, raw, (v) => { draft.skipInit = v; }),
    check: (draft) => (draft.skipInit && draft.mode === 'init-only'
      ? [`annotation ${Annotation.skipInit}: "true" cannot be combined with ${Annotation.mode}: "init-only" (there would be nothing left to fetch the secrets)`] : []),
  },
  {
    key: Annotation.notifyUrl, kind: 'annotation', default: '–', accepted: '`http://127.0.0.1[:PORT]/path` or `http://localhost[:PORT]/path`',
    meaning: 'After a refresh that changed files, the agent calls this URL (the app\'s reload endpoint).',
    read: (raw, draft) => {
      const m = NOTIFY_URL_RE.exec(raw);
      const port = m?.[2] === undefined ? 80 : Number(m[2]);
      if (m === null || port < 1 || port > 65535) return [invalid(Annotation.notifyUrl, raw, 'http://127.0.0.1[:PORT]/path or http://localhost[:PORT]/path (the app in the same pod)')];
      draft.notify = { http: { url: raw } };
      return [];
    },
  },
  {
    key: Annotation.notifySignal, kind: 'annotation', default: '–',
    accepted: NOTIFY_SIGNALS.map((s) => `\`${s}\``).join(', ') + ' (the `SIG` prefix is optional)',
    meaning: 'After a refresh that changed files, the agent sends this signal to the main process of `notify-container`. The webhook sets `shareProcessNamespace: true`, and both injector containers run as the target container\'s `runAsUser` (a process may only signal processes of its own uid without `CAP_KILL`), so that container (or the pod) must set a non-root `runAsUser`.',
    read: (raw, draft) => {
      const signal = raw.toUpperCase().startsWith('SIG') ? raw.toUpperCase() : `SIG${raw.toUpperCase()}`;
      if ((NOTIFY_SIGNALS as readonly string[]).includes(signal)) { draft.signal = signal; return []; }
      draft.signal = null;
      return [invalid(Annotation.notifySignal, raw, NOTIFY_SIGNALS.join(', '))];
    },
  },
  {
    key: Annotation.notifyContainer, kind: 'annotation', default: 'the only container, when there is one', accepted: 'a container in `spec.containers`',
    meaning: 'Target of `notify-signal`; required with `notify-signal` in multi-container pods.',
    check: (draft, ctx) => [
      ...checkNotifyTarget(draft, ctx),
      ...(draft.notify !== undefined && draft.mode === 'init-only'
        ? [`annotations ${Annotation.notifyUrl}/${Annotation.notifySignal}: need ${Annotation.mode}: "sidecar"; with "init-only" nothing refreshes the files, so there is nothing to notify about`] : []),
    ],
  },
  {
    key: Annotation.status, kind: 'annotation', default: 'written by the webhook', accepted: `\`${STATUS_INJECTED}\``,
    meaning: 'A pod that carries it is never patched again (safe under `reinvocationPolicy: IfNeeded`).',
  },
];
