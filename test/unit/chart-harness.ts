/**
 * Runs the real helm binary (built from the Go module proxy by scripts/build-tools.sh, see
 * test/e2e/tools.ts) against charts/ack-secret-injector, and parses what it renders with the
 * `yaml` package. Shared by the chart-*.test.ts files.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ensureTools } from '../e2e/tools.ts';

/** The chart folder and the values every render needs (region + account/cluster id). */
export const CHART_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../charts/ack-secret-injector');
export const CI_VALUES = join(CHART_DIR, 'ci/test-values.yaml');
export const RELEASE = 'asi';
export const NAMESPACE = 'secret-injector';

/** A rendered Kubernetes object, loosely typed: tests read fields by path. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The result of running helm: exit status and both streams. */
export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

let helmPath: Promise<string> | undefined;

/** The helm binary, built on first use (minutes when cold, then cached). */
export function helm(): Promise<string> {
  helmPath ??= ensureTools(['helm']).then((paths) => paths.helm);
  return helmPath;
}

/** Runs helm with `args`; never throws for a non-zero exit (tests assert on it). */
export async function runHelm(args: readonly string[]): Promise<HelmRun> {
  const bin = await helm();
  return new Promise((resolvePromise) => {
    execFile(bin, [...args], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: '/tmp/asi-helm-cache', HELM_CONFIG_HOME: '/tmp/asi-helm-config', HELM_DATA_HOME: '/tmp/asi-helm-data' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** `helm template` with the CI values plus `--set` pairs / extra flags; throws with stderr on failure. */
export async function renderChart(extra: readonly string[] = []): Promise<Manifest[]> {
  const run = await runHelm(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '-f', CI_VALUES, ...extra]);
  if (run.code !== 0) throw new Error(`helm template failed (${run.code}): ${run.stderr}`);
  return parseManifests(run.stdout);
}

/** Parses multi-document YAML, dropping empty documents; throws on a YAML error. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Manifest | null;
    if (value !== null) out.push(value);
  }
  return out;
}

/** The one object of `kind` (and `name`, when given); throws listing what exists otherwise. */
export function findOne(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  }
  return found[0] as Manifest;
}

/** All objects of `kind`. */
export function findAll(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** Reads a nested field by a dotted path with numeric indices ('spec.template.spec.containers.0'). */
export function at(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
