/**
 * Tenant isolation rules (DESIGN.md §3): nothing a pod references may let it use another
 * namespace's identity or objects. Each check is a pure function returning the problem text (or
 * `undefined`), so the credential planner can report every violation at once; a problem carries
 * the stable denial reason of the rule it breaks (response.ts DenialReason). Every value from an
 * object is quoted as a bounded excerpt (common/excerpt.ts), so no message grows with its input.
 */
import type { V1Namespace } from '@kubernetes/client-node';
import type {
  ClusterExternalSecret, ClusterSecretStore, LabelSelector, SecretKeyRef, SecretStoreRef, ServiceAccountRef,
} from '../../contract/crd-types.ts';
import { boundedList, clipMessage, describeItem, describeValue, jsonExcerpt, nameExcerpt, quote } from '../../common/excerpt.ts';
import { translateGoRegexp } from '../../common/go-regexp.ts';
import { secretKeyProblem } from '../../contract/secret-key.ts';
import { DenialReason, type Problem } from './response.ts';

/** Kubernetes' longest object name (DNS-1123 subdomain, apimachinery validation.DNS1123SubdomainMaxLength). */
export const MAX_OBJECT_NAME_CHARS = 253;

/** Label key: optional DNS-subdomain prefix, then a name of at most 63 characters (k8s.io/apimachinery validation). */
const LABEL_NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash === -1) return LABEL_NAME_RE.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= MAX_OBJECT_NAME_CHARS && DNS_SUBDOMAIN_RE.test(prefix) && LABEL_NAME_RE.test(key.slice(slash + 1));
}

/** Tagged result of compiling a namespace regex: the pattern, or why Go would reject it. */
export type NamespaceRegex = { ok: true; re: RegExp } | { ok: false; problem: string };

/**
 * Compiles a `namespaceRegexes` entry with Go (RE2) semantics, using the same translator as the
 * rule engine's replaceRule (common/go-regexp.ts), so a pattern Go rejects is rejected
 * here (fail-closed). No `g` flag: `test` then matches anywhere in the name, exactly like Go's
 * `regexp.MatchString` (a substring match; users anchor with `^…$`).
 */
export function compileNamespaceRegex(pattern: string): NamespaceRegex {
  try {
    return { ok: true, re: new RegExp(translateGoRegexp(pattern).pattern, 'v') };
  } catch (err) {
    // V8's and the translator's messages repeat the whole pattern.
    return { ok: false, problem: clipMessage((err as Error).message) };
  }
}

/** Tagged result of evaluating a label selector: whether it matches, or why it is invalid. */
export type SelectorResult = { ok: true; matches: boolean } | { ok: false; problem: string };

/**
 * Evaluates a metav1.LabelSelector like `metav1.LabelSelectorAsSelector` + `Matches`: matchLabels
 * and matchExpressions are ANDed; an empty selector matches everything; an invalid one (bad key or
 * value, unknown operator, In/NotIn without values, Exists/DoesNotExist with values) is an error.
 */
export function matchLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): SelectorResult {
  let matches = true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!validLabelKey(key)) return { ok: false, problem: `invalid label key ${quote(key)} in matchLabels` };
    if (typeof value !== 'string' || !LABEL_VALUE_RE.test(value)) return { ok: false, problem: `invalid label value ${describeValue(value)} for ${key} in matchLabels` };
    if (labels[key] !== value) matches = false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (typeof req.key !== 'string' || !validLabelKey(req.key)) return { ok: false, problem: `invalid label key ${describeValue(req.key)} in matchExpressions` };
    const values = req.values ?? [];
    const badValues = values.filter((v) => typeof v !== 'string' || !LABEL_VALUE_RE.test(v));
    if (badValues.length > 0) return { ok: false, problem: `invalid value in matchExpressions ${req.key}: ${boundedList(badValues, describeItem)}` };
    const has = Object.hasOwn(labels, req.key);
    switch (req.operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) return { ok: false, problem: `matchExpressions ${req.key} ${req.operator}: values must be non-empty` };
        const inSet = has && values.includes(labels[req.key] as string);
        if (req.operator === 'In' ? !inSet : inSet) matches = false;
        break;
      }
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return { ok: false, problem: `matchExpressions ${req.key} ${req.operator}: values must be empty` };
        if (req.operator === 'Exists' ? !has : has) matches = false;
        break;
      default:
        return { ok: false, problem: `matchExpressions ${req.key}: unknown operator ${describeValue(req.operator)}; expected In, NotIn, Exists or DoesNotExist` };
    }
  }
  return { ok: true, matches };
}

/** Tagged result of the ClusterSecretStore namespace check. */
export type Admission = { admitted: true } | { admitted: false; reason: string };

/** A namespace-conditions check that failed closed because a selector or regex is invalid. */
type ConditionsResult = Admission | { admitted: false; invalid: string };

type Conditions = NonNullable<ClusterSecretStore['spec']['conditions']>;

/**
 * The namespace conditions of a ClusterSecretStore or ClusterExternalSecret (reference §1.5):
 * ORed; within one, a selector match, an exact name or a (substring) regex match admits. An
 * invalid selector or regex anywhere fails closed, as `invalid` (the caller names the object and
 * what becomes unusable); so does a namespace object that cannot be found. `label` is the
 * object's bounded label for messages.
 * 1. Validate every selector and regex first: an invalid one denies even if another would match.
 * 2. The namespace object is needed for the selectors.
 * 3. ORed conditions.
 */
function conditionsAdmit(label: string, conditions: Conditions, namespaceName: string, namespace: V1Namespace | undefined): ConditionsResult {
  // 1.
  const compiled: RegExp[][] = [];
  for (const [i, c] of conditions.entries()) {
    if (c.namespaceSelector !== undefined && c.namespaceSelector !== null) {
      const probe = matchLabelSelector(c.namespaceSelector, {});
      if (!probe.ok) return { admitted: false, invalid: `${label} conditions[${i}].namespaceSelector is invalid (${probe.problem})` };
    }
    const res: RegExp[] = [];
    for (const [j, pattern] of (c.namespaceRegexes ?? []).entries()) {
      const r = compileNamespaceRegex(pattern);
      if (!r.ok) return { admitted: false, invalid: `${label} conditions[${i}].namespaceRegexes[${j}] ${quote(pattern)} is invalid (${r.problem})` };
      res.push(r.re);
    }
    compiled.push(res);
  }
  // 2.
  if (namespace === undefined) {
    return { admitted: false, reason: `${label} has namespace conditions but Namespace ${quote(namespaceName)} could not be found to evaluate them` };
  }
  const labels = namespace.metadata?.labels ?? {};
  // 3.
  for (const [i, c] of conditions.entries()) {
    if (c.namespaceSelector !== undefined && c.namespaceSelector !== null) {
      const r = matchLabelSelector(c.namespaceSelector, labels);
      if (r.ok && r.matches) return { admitted: true };
    }
    if ((c.namespaces ?? []).includes(namespaceName)) return { admitted: true };
    if ((compiled[i] ?? []).some((re) => re.test(namespaceName))) return { admitted: true };
  }
  return { admitted: false, reason: `${label} does not admit namespace ${quote(namespaceName)}: none of its conditions (namespaceSelector, namespaces, namespaceRegexes) match` };
}

/**
 * Whether a ClusterSecretStore's `conditions` admit the namespace, as ack-secret-manager's
 * `IsNamespaceAllowedForClusterSecretStore` decides (reference §1.5): no conditions → every
 * namespace; otherwise conditionsAdmit (fail-closed on an invalid selector or regex, or a
 * namespace object that cannot be found).
 */
export function clusterStoreAdmits(store: ClusterSecretStore, namespaceName: string, namespace: V1Namespace | undefined): Admission {
  const conditions = store.spec.conditions ?? [];
  if (conditions.length === 0) return { admitted: true };
  const r = conditionsAdmit(`ClusterSecretStore ${quote(store.metadata.name ?? '')}`, conditions, namespaceName, namespace);
  return 'invalid' in r ? { admitted: false, reason: `${r.invalid}; the store is unusable until it is fixed` } : r;
}

/**
 * Whether a ClusterExternalSecret selects the namespace, as ack-secret-manager's
 * `IsNamespaceAllowedForClusterExternalSecret` decides (reference §1.5): only when BOTH the
 * deprecated `namespaceSelectors` and `conditions` are empty is every namespace selected; legacy
 * selectors (null entries skipped, `{}` matches all) and conditions are ORed; an invalid selector
 * or regex anywhere selects nothing (fail-closed).
 */
export function clusterExternalSecretSelects(ces: ClusterExternalSecret, namespaceName: string, namespace: V1Namespace | undefined): Admission {
  const name = `ClusterExternalSecret ${quote(ces.metadata.name ?? '')}`;
  const legacy = ces.spec.namespaceSelectors ?? [];
  const conditions = ces.spec.conditions ?? [];
  if (legacy.length === 0 && conditions.length === 0) return { admitted: true };
  // 1. Every legacy selector must be valid (fail-closed), as every condition must (conditionsAdmit).
  for (const [i, s] of legacy.entries()) {
    if (s === null || s === undefined) continue;
    const probe = matchLabelSelector(s, {});
    if (!probe.ok) return { admitted: false, reason: `${name} namespaceSelectors[${i}] is invalid (${probe.problem}); it is unusable until it is fixed` };
  }
  const byConditions = conditions.length === 0 ? undefined : conditionsAdmit(name, conditions, namespaceName, namespace);
  if (byConditions !== undefined && 'invalid' in byConditions) return { admitted: false, reason: `${byConditions.invalid}; it is unusable until it is fixed` };
  // 2. ORed: a matching legacy selector, or the conditions.
  if (byConditions?.admitted === true) return { admitted: true };
  if (namespace === undefined) return { admitted: false, reason: `${name} selects namespaces but Namespace ${quote(namespaceName)} could not be found to evaluate it` };
  const labels = namespace.metadata?.labels ?? {};
  for (const s of legacy) {
    if (s === null || s === undefined) continue;
    const r = matchLabelSelector(s, labels);
    if (r.ok && r.matches) return { admitted: true };
  }
  return { admitted: false, reason: `${name} does not admit namespace ${quote(namespaceName)}: none of its namespaceSelectors or conditions (namespaceSelector, namespaces, namespaceRegexes) match` };
}

function problem(reason: DenialReason, message: string): Problem {
  return { reason, message };
}

/** A SecretStore reference must stay in the pod's namespace (the deprecated `namespace` field may only repeat it). */
export function checkStoreRefNamespace(ref: SecretStoreRef, podNamespace: string, where: string): Problem | undefined {
  if ((ref.kind ?? 'SecretStore') !== 'SecretStore') return undefined;
  if (ref.namespace !== undefined && ref.namespace !== '' && ref.namespace !== podNamespace) {
    return problem(DenialReason.CROSS_NAMESPACE_STORE, `${where}: secretStoreRef names SecretStore ${describeValue(ref.name)} in namespace ${describeValue(ref.namespace)}; only stores in the pod's namespace ${quote(podNamespace)} (or a ClusterSecretStore that admits it) may be used`);
  }
  return undefined;
}

/** A `serviceAccountRef` may only name the pod's own ServiceAccount: the injector holds no other token. */
export function checkServiceAccountRef(ref: ServiceAccountRef, podNamespace: string, podServiceAccount: string, where: string): Problem | undefined {
  const ns = ref.namespace === undefined || ref.namespace === '' ? podNamespace : ref.namespace;
  if (ref.name !== podServiceAccount || ns !== podNamespace) {
    return problem(DenialReason.FOREIGN_SERVICE_ACCOUNT, `${where}: serviceAccountRef names ServiceAccount ${nameExcerpt(ns)}/${nameExcerpt(ref.name)}, but the pod runs as ${podNamespace}/${podServiceAccount}; a pod may only use its own ServiceAccount's identity`);
  }
  return undefined;
}

/**
 * Why `name` cannot be the name of a Kubernetes object (a Secret, a store): longer than
 * MAX_OBJECT_NAME_CHARS or not a DNS-1123 subdomain. Such an object cannot exist, and checking
 * the length first keeps the message and the regex work bounded.
 */
export function objectNameProblem(name: string): string | undefined {
  if (name.length > MAX_OBJECT_NAME_CHARS) return `${quote(name)} is longer than Kubernetes' limit of ${MAX_OBJECT_NAME_CHARS} characters for an object name`;
  if (!DNS_SUBDOMAIN_RE.test(name)) return `${quote(name)} is not a Kubernetes object name (a DNS-1123 subdomain: lower-case letters, digits, "-" and ".")`;
  return undefined;
}

/**
 * An AccessKey reference may only name a Secret in the pod's namespace, by a name and a key that
 * a Secret can have (a Secret key as contract/secret-key.ts says; it also becomes a file name in
 * the injector's mount).
 */
export function checkSecretKeyRef(ref: SecretKeyRef, podNamespace: string, where: string): Problem | undefined {
  if (ref.namespace !== undefined && ref.namespace !== '' && ref.namespace !== podNamespace) {
    return problem(DenialReason.CROSS_NAMESPACE_SECRET, `${where}: names Secret ${nameExcerpt(ref.namespace)}/${nameExcerpt(ref.name)}; AccessKey Secrets must be in the pod's namespace ${quote(podNamespace)}`);
  }
  if (typeof ref.name !== 'string' || ref.name === '' || typeof ref.key !== 'string' || ref.key === '') {
    return problem(DenialReason.INVALID_SECRET_STORE, `${where}: expected {name, key} of a Secret in the pod's namespace, got ${jsonExcerpt(ref)}`);
  }
  const nameProblem = objectNameProblem(ref.name);
  if (nameProblem !== undefined) return problem(DenialReason.INVALID_SECRET_STORE, `${where}.name: ${nameProblem}`);
  const keyProblem = secretKeyProblem(ref.key);
  if (keyProblem !== undefined) return problem(DenialReason.INVALID_SECRET_STORE, `${where}.key: ${quote(ref.key)}: ${keyProblem}`);
  return undefined;
}
