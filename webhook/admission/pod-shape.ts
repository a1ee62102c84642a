/**
 * The shape of the pod fields the admission core reads. The API server only sends pods that
 * decode into its Go types, so these never fail for a real request; a review posted straight to
 * the port can hold anything, and must get a clear E_INPUT naming the field instead of a
 * JavaScript TypeError (issue 13: "no way to crash the webhook"). One pass, linear in the pod,
 * stopping at the first problem; the message names the path and describes the value boundedly.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { describeValue } from '../../common/excerpt.ts';

type Check = (value: unknown, path: string) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const optional = (check: Check): Check => (v, path) => (v === undefined || v === null ? undefined : check(v, path));
const string: Check = (v, path) => (typeof v === 'string' ? undefined : `${path}: expected a string, got ${describeValue(v)}`);
const number: Check = (v, path) => (typeof v === 'number' ? undefined : `${path}: expected a number, got ${describeValue(v)}`);
const boolean: Check = (v, path) => (typeof v === 'boolean' ? undefined : `${path}: expected a boolean, got ${describeValue(v)}`);

/** An object whose listed fields pass their checks (other fields are not read, so not checked). */
function object(fields: Record<string, Check>): Check {
  return (v, path) => {
    if (!isObject(v)) return `${path === '' ? 'the object' : path}: expected an object, got ${describeValue(v)}`;
    for (const [name, check] of Object.entries(fields)) {
      const problem = check(v[name], path === '' ? name : `${path}.${name}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** A list whose every item passes `item`; `nonEmpty` for spec.containers. */
function list(item: Check, nonEmpty = false): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return `${path}: expected a list, got ${describeValue(v)}`;
    if (nonEmpty && v.length === 0) return `${path}: expected at least one item`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${path}[${i}]`);
      if (problem !== undefined) return problem;
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

/** The first problem with the fields admission reads (path relative to the pod), or undefined when the pod has their shape. */
export function podShapeProblem(pod: V1Pod): string | undefined {
  return POD(pod, '');
}
