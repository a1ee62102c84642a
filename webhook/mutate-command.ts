/**
 * `ack-secret-injector mutate`: the webhook, offline. Reads manifests, runs exactly `admit()` on a
 * synthetic AdmissionReview per Pod (or per pod template of a workload), and prints the result:
 * for GitOps pipelines that pre-render pods (like `istioctl kube-inject`), and for the project's
 * own tests. A denial exits 3 (E_DENIED) with the message on stderr.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { stringify as toYaml } from 'yaml';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { ADMISSION_API_VERSION, ADMISSION_KIND, type AdmissionReview } from './admission/admission-review.ts';
import { admit } from './admission/admit.ts';
import { readManifests, StaticResolver, type KubeObject } from './manifests.ts';
import { applyPatch, type Operation } from './admission/patch.ts';
import { loadSettings } from './settings.ts';

/** The `--help` text (also appended to flag errors). */
export const USAGE = `Usage: ack-secret-injector mutate -f FILE [-f FILE ...] --settings FILE [flags]

Applies the admission webhook to the Pods in the given manifests (and to the pod templates of
Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs) and prints the result.
The files must also hold the objects the pods refer to: their ServiceAccount, ExternalSecrets,
SecretStores, ClusterSecretStores and (for ClusterSecretStore conditions) the Namespace.

Flags:
  -f, --filename FILE       manifest file (multi-document YAML or JSON; "-" is stdin); repeatable
      --settings FILE       webhook settings (YAML or JSON; see docs/settings.md)   (required)
  -o, --output yaml|json    output format (default yaml)
  -n, --namespace NS        namespace of objects that do not set one (default "default")
      --server-version V    API server version for nativeSidecar: auto (e.g. v1.30.1)
  -h, --help                show this help

Exit status: 0 mutated (or left unchanged), 2 bad flags/files/settings, 3 a pod was denied.
`;

/** Where a workload keeps its pod template, and whether its pods belong to a Job. */
const TEMPLATE_PATHS: Readonly<Record<string, { path: readonly string[]; job: boolean }>> = {
  'apps/v1/Deployment': { path: ['spec', 'template'], job: false },
  'apps/v1/StatefulSet': { path: ['spec', 'template'], job: false },
  'apps/v1/DaemonSet': { path: ['spec', 'template'], job: false },
  'apps/v1/ReplicaSet': { path: ['spec', 'template'], job: false },
  'batch/v1/Job': { path: ['spec', 'template'], job: true },
  'batch/v1/CronJob': { path: ['spec', 'jobTemplate', 'spec', 'template'], job: true },
};

interface Target {
  source: string;
  object: KubeObject;
  /** The pod template inside a workload; undefined for a Pod. */
  template?: { metadata?: { annotations?: Record<string, string> }; spec?: unknown };
  pod: V1Pod;
}

function dig(o: unknown, path: readonly string[]): unknown {
  let cur = o;
  for (const k of path) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

/** The Pods and pod templates to mutate, each as a Pod for the synthetic review. */
function targets(objects: readonly { source: string; object: KubeObject }[], namespace: string): Target[] {
  const out: Target[] = [];
  for (const { source, object } of objects) {
    const ns = object.metadata.namespace ?? namespace;
    if (object.apiVersion === 'v1' && object.kind === 'Pod') {
      const pod = structuredClone(object) as V1Pod;
      pod.metadata = { ...pod.metadata, namespace: ns };
      out.push({ source, object, pod });
      continue;
    }
    const shape = TEMPLATE_PATHS[`${object.apiVersion}/${object.kind}`];
    if (shape === undefined) continue;
    const template = dig(object, shape.path) as Target['template'];
    if (typeof template !== 'object' || template === null) {
      throw new InjectorError(ErrorCode.INPUT, `${source}: ${object.kind} ${object.metadata.name ?? ''} has no ${shape.path.join('.')}`);
    }
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(structuredClone(template.metadata ?? {}) as V1Pod['metadata']),
        name: object.metadata.name ?? '',
        namespace: ns,
        // A Job's pods carry an ownerReference to it; the Job rule (no classic sidecar) keys on it.
        ...(shape.job ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: object.metadata.name ?? '', uid: '' }] } : {}),
      },
      spec: structuredClone(template.spec) as NonNullable<V1Pod['spec']>,
    };
    out.push({ source, object, template, pod });
  }
  return out;
}

/** The AdmissionReview the API server would send for creating `pod`. */
export function syntheticReview(pod: V1Pod): AdmissionReview {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: ADMISSION_KIND,
    request: {
      uid: randomUUID(),
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      ...(pod.metadata?.name === undefined ? {} : { name: pod.metadata.name }),
      namespace: pod.metadata?.namespace ?? 'default',
      operation: 'CREATE',
      userInfo: { username: 'ack-secret-injector-mutate' },
      object: pod,
      dryRun: true,
    },
  };
}

/**
 * Runs the command. Steps: 1. flags; 2. settings and manifests; 3. one admit() per target;
 * 4. any denial → E_DENIED with every message, nothing on stdout; 5. print the mutated objects.
 */
export async function run(argv: string[]): Promise<number> {
  // 1.
  let values: { filename?: string[]; settings?: string; output?: string; namespace?: string; 'server-version'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        settings: { type: 'string' },
        output: { type: 'string', short: 'o' },
        namespace: { type: 'string', short: 'n' },
        'server-version': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help === true) { process.stdout.write(USAGE); return 0; }
  const problems: string[] = [];
  if (values.filename === undefined || values.filename.length === 0) problems.push('-f/--filename: required; expected at least one manifest file');
  if (values.settings === undefined || values.settings === '') problems.push('--settings: required; expected the webhook settings file (see docs/settings.md)');
  const output = values.output ?? 'yaml';
  if (output !== 'yaml' && output !== 'json') problems.push(`-o/--output: invalid value ${JSON.stringify(output)}; expected yaml or json`);
  const namespace = values.namespace ?? 'default';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) problems.push(`-n/--namespace: invalid value ${JSON.stringify(namespace)}; expected a namespace name`);
  if (problems.length > 0) throw new InjectorError(ErrorCode.CONFIG, `${problems.join('; ')}\n${USAGE}`);

  // 2.
  let settings = await loadSettings(values.settings as string);
  if (values['server-version'] !== undefined) settings = Object.freeze({ ...settings, serverVersion: values['server-version'] });
  const manifests = await readManifests(values.filename as string[]);
  const found = targets(manifests, namespace);
  if (found.length === 0) throw new InjectorError(ErrorCode.INPUT, `no Pod or workload with a pod template in ${(values.filename as string[]).join(', ')}`);
  const resolver = new StaticResolver(manifests.map((m) => m.object), namespace);

  // 3.
  const denials: string[] = [];
  const results: KubeObject[] = [];
  for (const t of found) {
    const response = await admit(syntheticReview(t.pod), resolver, settings);
    for (const w of response.warnings ?? []) process.stderr.write(`Warning: ${t.source}: ${w}\n`);
    if (!response.allowed) {
      if (response.status?.code === 500) throw new InjectorError(ErrorCode.INPUT, `${t.source}: ${response.status.message ?? 'internal error'}`);
      denials.push(`${t.source}: ${response.status?.message ?? 'denied'}`);
      continue;
    }
    const ops: Operation[] = response.patch === undefined ? [] : JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[];
    const mutatedPod = applyPatch(t.pod, ops);
    if (t.template === undefined) {
      // The namespace was filled in for the review; print it only if the file had it.
      if (t.object.metadata.namespace === undefined && mutatedPod.metadata !== undefined) delete mutatedPod.metadata.namespace;
      results.push(mutatedPod as KubeObject);
    } else {
      const object = structuredClone(t.object);
      const template = dig(object, TEMPLATE_PATHS[`${object.apiVersion}/${object.kind}`]?.path ?? []) as NonNullable<Target['template']>;
      const annotations = mutatedPod.metadata?.annotations;
      if (annotations !== undefined) template.metadata = { ...(template.metadata ?? {}), annotations };
      template.spec = mutatedPod.spec;
      results.push(object);
    }
  }
  // 4.
  if (denials.length > 0) throw new InjectorError(ErrorCode.DENIED, denials.join('\n'));
  // 5.
  if (output === 'json') {
    const doc = results.length === 1 ? results[0] : { apiVersion: 'v1', kind: 'List', items: results };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    process.stdout.write(results.map((r) => toYaml(r, { lineWidth: 0 })).join('---\n'));
  }
  return 0;
}
