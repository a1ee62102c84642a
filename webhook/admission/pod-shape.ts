/**
 * The shape of the pod fields the admission core reads. The API server only sends pods that
 * decode into its Go types, so these never fail for a real request; a review posted straight to
 * the port can hold anything, and must get a clear E_INPUT naming the field instead of a
 * JavaScript TypeError (issue 13: "no way to crash the webhook"). One pass, linear in the pod,
 * stopping at the first problem; the message names the path and describes the value boundedly.
 * The path is built only on the way back from a failure, so a valid pod costs one property read
 * per listed field and no allocation.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { describeValue } from '../../common/excerpt.ts';

/** Where below the checked value the problem is (`.name`, `[3].ports`), and what it is. */
interface Failure { path: string; problem: string }
type Check = (value: unknown) => Failure | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (problem: string): Failure => ({ path: '', problem });

/** The checks made by `optional`: `object` skips an absent field without calling them. */
const OPTIONAL = new WeakSet<Check>();
const optional = (check: Check): Check => {
  const wrapped: Check = (v) => (v === undefined || v === null ? undefined : check(v));
  OPTIONAL.add(wrapped);
  return wrapped;
};
const string: Check = (v) => (typeof v === 'string' ? undefined : fail(`expected a string, got ${describeValue(v)}`));
const number: Check = (v) => (typeof v === 'number' ? undefined : fail(`expected a number, got ${describeValue(v)}`));
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : fail(`expected a boolean, got ${describeValue(v)}`));

/** An object whose listed fields pass their checks (other fields are not read, so not checked). */
function object(fields: Record<string, Check>): Check {
  const entries = Object.entries(fields);
  return (v) => {
    if (!isObject(v)) return fail(`expected an object, got ${describeValue(v)}`);
    for (const [name, check] of entries) {
      const value = v[name];
      if ((value === undefined || value === null) && OPTIONAL.has(check)) continue;
      const f = check(value);
      if (f !== undefined) return { path: `.${name}${f.path}`, problem: f.problem };
    }
    return undefined;
  };
}

/** A list whose every item passes `item`; `nonEmpty` for spec.containers. */
function list(item: Check, nonEmpty = false): Check {
  return (v) => {
    if (!Array.isArray(v)) return fail(`expected a list, got ${describeValue(v)}`);
    if (nonEmpty && v.length === 0) return fail('expected at least one item');
    for (let i = 0; i < v.length; i++) {
      const f = item(v[i]);
      if (f !== undefined) return { path: `[${i}]${f.path}`, problem: f.problem };
    }
    return undefined;
  };
}

const securityContext = optional(object({ runAsUser: optional(number), fsGroup: optional(number) }));
const container = object({
  name: string,
  ports: optional(list(object({ containerPort: optional(number) }))),
  volumeMounts: optional(list(object({ name: string, mountPath: string }))),
  volumeDevices: optional(list(object({ name: string }))),
  securityContext,
});

const POD: Check = object({
  metadata: optional(object({
    name: optional(string),
    generateName: optional(string),
    namespace: optional(string),
    ownerReferences: optional(list(object({ kind: string, apiVersion: string, name: optional(string) }))),
  })),
  spec: object({
    containers: list(container, true),
    initContainers: optional(list(container)),
    ephemeralContainers: optional(list(container)),
    volumes: optional(list(object({ name: string }))),
    serviceAccountName: optional(string),
    serviceAccount: optional(string),
    hostNetwork: optional(boolean),
    shareProcessNamespace: optional(boolean),
    restartPolicy: optional(string),
    securityContext,
  }),
});

/** The first problem with the fields admission reads (`spec.containers[0].name: expected ...`), or undefined when the pod has their shape. */
export function podShapeProblem(pod: V1Pod): string | undefined {
  const f = POD(pod);
  if (f === undefined) return undefined;
  return `${f.path === '' ? 'the object' : f.path.slice(1)}: ${f.problem}`;
}
