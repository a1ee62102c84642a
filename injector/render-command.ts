/**
 * `ack-secret-injector render`: applies the rules of ExternalSecret manifests to values from a
 * file and writes exactly the files the injector would write, `<out>/<ExternalSecret name>/<key>`,
 * with the same atomic writer. It is how a user previews what a pod will see, and the rule
 * engine's end-to-end test driver. It never prints a value: the summary lists file names only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { PlannedDataProcess, PlannedDataSource, PlannedExternalSecret } from '../contract/injector-config-schema.ts';
import { CRD_API_VERSION } from '../contract/crd-types.ts';
import { validateCrdObject } from '../contract/crd-shape.ts';
import { oosVersionProblem } from '../contract/oos-version.ts';
import { cleanLeftovers, writeFileSet } from './files/atomic-writer.ts';
import { planTemplate } from '../contract/template-plan.ts';
import { applyRules, listFetches, secretKeyProblem, type RuleFailure } from './rules/index.ts';
import { loadTemplateEngine } from './rules/template-engine.ts';
import { fetchResultsFromValues, parseValuesFile } from './values-file.ts';

/** The credential profile id render assigns to every entry (there are no credentials offline). */
export const RENDER_PROFILE = 'default';
/** Default file mode: read-only for owner and group, as the injector writes for an fsGroup. */
export const DEFAULT_RENDER_FILE_MODE = 0o440;

/** The `render --help` text (also appended to flag errors, so a mistake shows what is accepted). */
export const RENDER_USAGE = `Usage: ack-secret-injector render -f FILE [-f FILE ...] --values VALUES.json --out DIR [flags]

Applies the rules of ExternalSecret manifests (alibabacloud.com/v1alpha1; multi-document YAML or
JSON; other kinds are skipped), target.template included (docs/templates.md), to secret values
from VALUES.json and writes the files the
injector would write: DIR/<ExternalSecret name>/<key>, updated atomically (..data swap).

Flags:
  -f, --filename FILE   manifest file (repeatable)
      --values FILE     values: {"kms": {"<SecretName>": "<text>" | {"data", "dataType": "text|binary",
                        "versionId", "versionStages": [...]} | [versions...]}, "oos": {"<Name>": "<text>"},
                        "configMaps"|"secrets": {"<name>": {"<key>": "<template>"}}} (templateFrom sources)
      --out DIR         output folder (created if missing)
      --file-mode MODE  octal mode of the files (default 0440)
      --file-gid GID    group owner of the files (default: unchanged)
      --jmespath-raw-fallback
                        a jmesPath that yields nothing writes the raw value (ack-secret-manager's
                        behaviour; the webhook setting jmesPathRawFallback) instead of failing
  -h, --help            this help

ClusterExternalSecrets are rendered too: their externalSecretSpec under externalSecretName
(default: their own name). Fields that have no effect in a pod are reported as warnings on stderr.

Exit status: 0 when every entry produced its files, 1 when any entry failed (each failure is
named on stderr: ExternalSecret, key, error code), 2 for bad flags or unreadable input.
`;

interface RenderFlags { files: string[]; values: string; out: string; mode: number; gid?: number; jmesPathRawFallback: boolean }

/** Parses the flags, reporting every problem at once (E_CONFIG). Returns undefined for --help. */
export function parseRenderFlags(argv: readonly string[]): RenderFlags | undefined {
  const problems: string[] = [];
  const files: string[] = [];
  let values: string | undefined;
  let out: string | undefined;
  let mode = DEFAULT_RENDER_FILE_MODE;
  let gid: number | undefined;
  let jmesPathRawFallback = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return undefined;
    if (arg === '--jmespath-raw-fallback') { jmesPathRawFallback = true; continue; }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const known = ['-f', '--filename', '--values', '--out', '--file-mode', '--file-gid', '--jmespath-raw-fallback'];
    if (!known.includes(flag)) { problems.push(`unknown flag ${JSON.stringify(arg)}; accepted: ${known.join(', ')}, --help`); continue; }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else { value = argv[i + 1]; i++; }
    if (value === undefined || value === '') { problems.push(`${flag}: expected a value`); continue; }
    switch (flag) {
      case '-f': case '--filename': files.push(value); break;
      case '--values': values = value; break;
      case '--out': out = value; break;
      case '--file-mode': {
        const m = /^(?:0o?)?([0-7]{1,4})$/.exec(value);
        if (m === null) problems.push(`--file-mode: expected an octal mode such as 0440 or 0644, got ${JSON.stringify(value)}`);
        else mode = parseInt(m[1]!, 8);
        break;
      }
      case '--file-gid':
        if (!/^\d+$/.test(value) || Number(value) > 2 ** 31 - 1) problems.push(`--file-gid: expected a group id (0..2147483647), got ${JSON.stringify(value)}`);
        else gid = Number(value);
        break;
      default: break;
    }
  }
  if (files.length === 0) problems.push('-f: at least one ExternalSecret manifest is required');
  if (values === undefined) problems.push('--values: required (the VALUES.json file)');
  if (out === undefined) problems.push('--out: required (the output folder)');
  if (problems.length > 0) throw new InjectorError(ErrorCode.CONFIG, `render: invalid flags:\n  - ${problems.join('\n  - ')}\n\n${RENDER_USAGE}`);
  const flags: RenderFlags = { files, values: values!, out: out!, mode, jmesPathRawFallback };
  if (gid !== undefined) flags.gid = gid;
  return flags;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function plannedSource(d: unknown, path: string, problems: string[]): PlannedDataSource | undefined {
  if (!isObject(d)) { problems.push(`${path}: expected an object`); return undefined; }
  if (typeof d.key !== 'string' || d.key === '') { problems.push(`${path}.key: expected a non-empty string, got ${JSON.stringify(d.key)}`); return undefined; }
  const s: PlannedDataSource = { key: d.key, profile: RENDER_PROFILE };
  for (const f of ['name', 'versionStage', 'versionId', 'kmsEndpoint'] as const) {
    const v = d[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') problems.push(`${path}.${f}: expected a string, got ${JSON.stringify(v)}`);
    else if (v !== '') s[f] = v;
  }
  if (d.jmesPath !== undefined && d.jmesPath !== null) {
    if (!Array.isArray(d.jmesPath)) problems.push(`${path}.jmesPath: expected a list of {path, objectAlias}`);
    else {
      s.jmesPath = [];
      d.jmesPath.forEach((j, i) => {
        if (!isObject(j) || typeof j.path !== 'string') { problems.push(`${path}.jmesPath[${i}].path: expected a string`); return; }
        if (j.objectAlias !== undefined && j.objectAlias !== null && typeof j.objectAlias !== 'string') { problems.push(`${path}.jmesPath[${i}].objectAlias: expected a string`); return; }
        s.jmesPath!.push(typeof j.objectAlias === 'string' ? { path: j.path, objectAlias: j.objectAlias } : { path: j.path });
      });
    }
  }
  return s;
}

/**
 * Converts one ExternalSecret object to the injector's planned form (store references dropped,
 * every entry on profile 'default'), collecting problems with their field paths.
 */
export function planExternalSecret(obj: Record<string, unknown>, where: string, problems: string[], warnings?: string[]): PlannedExternalSecret | undefined {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = meta.name;
  const before = problems.length;
  if (typeof name !== 'string' || secretKeyProblem(name) !== undefined) {
    problems.push(`${where}.metadata.name: expected a folder-safe name ([-._a-zA-Z0-9]+, not starting with ".."), got ${JSON.stringify(name)}`);
  }
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  if (spec === undefined) { problems.push(`${where}.spec: expected an object`); return undefined; }
  const provider = spec.provider === undefined || spec.provider === null || spec.provider === '' ? 'kms' : spec.provider;
  if (provider !== 'kms' && provider !== 'oos') problems.push(`${where}.spec.provider: unsupported provider ${JSON.stringify(spec.provider)}, only support kms or oos`);
  const data: PlannedDataSource[] = [];
  if (spec.data !== undefined && spec.data !== null) {
    if (!Array.isArray(spec.data)) problems.push(`${where}.spec.data: expected a list`);
    else spec.data.forEach((d, i) => { const s = plannedSource(d, `${where}.spec.data[${i}]`, problems); if (s !== undefined) data.push(s); });
  }
  const dataProcess: PlannedDataProcess[] = [];
  if (spec.dataProcess !== undefined && spec.dataProcess !== null) {
    if (!Array.isArray(spec.dataProcess)) problems.push(`${where}.spec.dataProcess: expected a list`);
    else spec.dataProcess.forEach((p, i) => {
      const path = `${where}.spec.dataProcess[${i}]`;
      if (!isObject(p)) { problems.push(`${path}: expected an object`); return; }
      const planned: PlannedDataProcess = {};
      if (p.extract !== undefined && p.extract !== null) {
        const s = plannedSource(p.extract, `${path}.extract`, problems);
        if (s !== undefined) planned.extract = s;
      }
      if (p.replaceRule !== undefined && p.replaceRule !== null) {
        if (!Array.isArray(p.replaceRule)) problems.push(`${path}.replaceRule: expected a list of {source, target}`);
        else {
          planned.replaceRule = [];
          p.replaceRule.forEach((r, k) => {
            if (!isObject(r) || typeof r.source !== 'string' || typeof r.target !== 'string') problems.push(`${path}.replaceRule[${k}]: expected {source: string, target: string}`);
            else planned.replaceRule!.push({ source: r.source, target: r.target });
          });
        }
      }
      dataProcess.push(planned);
    });
  }
  if (provider === 'oos') {
    const sources = [...data.map((d, i) => [d, `data[${i}]`] as const), ...dataProcess.flatMap((p, i) => (p.extract === undefined ? [] : [[p.extract, `dataProcess[${i}].extract`] as const]))];
    for (const [s, at] of sources) {
      const problem = s.versionId === undefined ? undefined : oosVersionProblem(s.versionId);
      if (problem !== undefined) problems.push(`${where}.spec.${at}.versionId: ${problem}`);
    }
  }
  const tpl = planTemplate(spec.target, `${where}.spec`);
  problems.push(...tpl.problems);
  warnings?.push(...tpl.warnings);
  if (problems.length > before) return undefined;
  const es: PlannedExternalSecret = { name: name as string, provider: provider as 'kms' | 'oos', data, dataProcess };
  if (tpl.template !== undefined) es.template = tpl.template;
  return es;
}

/** Reads every ExternalSecret from the manifest files (List objects expanded, other kinds skipped). */
export async function readExternalSecrets(files: readonly string[]): Promise<{ planned: PlannedExternalSecret[]; skipped: string[]; warnings: string[] }> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const planned: PlannedExternalSecret[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    parseAllDocuments(text, { prettyErrors: false }).forEach((doc, di) => {
      const where = `${file}#${di}`;
      if (doc.errors.length > 0) { problems.push(`${where}: not valid YAML/JSON (${doc.errors[0]!.message.split('\n')[0]})`); return; }
      const root = doc.toJS() as unknown;
      if (root === null || root === undefined) return;
      const objects = isObject(root) && root.kind === 'List' && Array.isArray(root.items) ? root.items : [root];
      objects.forEach((obj, oi) => {
        const w = objects.length > 1 || obj !== root ? `${where}.items[${oi}]` : where;
        if (!isObject(obj)) { problems.push(`${w}: expected a Kubernetes object`); return; }
        if (obj.kind !== 'ExternalSecret' && obj.kind !== 'ClusterExternalSecret') { skipped.push(`${w} (${String(obj.kind)})`); return; }
        if (obj.apiVersion !== undefined && obj.apiVersion !== CRD_API_VERSION) {
          problems.push(`${w}.apiVersion: expected ${JSON.stringify(CRD_API_VERSION)}, got ${JSON.stringify(obj.apiVersion)}`);
          return;
        }
        // The shape check (contract/crd-shape.ts) first: wrong types are problems, no-effect fields warnings.
        const shape = validateCrdObject(obj.kind, obj, w);
        warnings.push(...shape.warnings);
        if (shape.problems.length > 0) { problems.push(...shape.problems); return; }
        let source = shape.object;
        if (obj.kind === 'ClusterExternalSecret') {
          const spec = shape.object.spec as { externalSecretName?: string; externalSecretSpec: unknown };
          const meta = isObject(obj.metadata) ? obj.metadata : {};
          source = { metadata: { name: spec.externalSecretName ?? meta.name }, spec: spec.externalSecretSpec };
        }
        const es = planExternalSecret(source, w, problems, warnings);
        if (es === undefined) return;
        if (planned.some((p) => p.name === es.name)) problems.push(`${w}.metadata.name: duplicate ExternalSecret ${JSON.stringify(es.name)} (each gets one folder)`);
        else planned.push(es);
      });
    });
  }
  if (problems.length > 0) throw new InjectorError(ErrorCode.INPUT, `render: invalid manifests:\n  - ${problems.join('\n  - ')}`);
  if (planned.length === 0) throw new InjectorError(ErrorCode.INPUT, `render: no ExternalSecret found in ${files.join(', ')}`);
  return { planned, skipped, warnings };
}

/** Formats one failure for stderr: ExternalSecret, key, code, message (never a value). */
export function formatFailure(f: RuleFailure): string {
  return `FAILED ${f.externalSecret} key=${JSON.stringify(f.key)} ${f.code}: ${f.message}`;
}

/**
 * Runs `render`. Steps: 1. flags; 2. values file; 3. manifests; 4. per ExternalSecret: fetch
 * from the values, apply the rules, clean leftovers and write the folder atomically (files of
 * failed entries are simply absent); 5. summary on stdout, failures on stderr; exit 1 if any.
 */
export async function run(argv: string[]): Promise<number> {
  // 1.
  const flags = parseRenderFlags(argv);
  if (flags === undefined) { process.stdout.write(RENDER_USAGE); return 0; }
  // 2.
  let valuesText: string;
  try {
    valuesText = await readFile(flags.values, 'utf8');
  } catch (err) {
    throw new InjectorError(ErrorCode.INPUT, `render: cannot read --values ${flags.values} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const values = parseValuesFile(valuesText, flags.values);
  // 3.
  const { planned, skipped, warnings } = await readExternalSecrets(flags.files);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  // 4.
  const failures: RuleFailure[] = [];
  const lines: string[] = [];
  for (const es of planned) {
    const results = fetchResultsFromValues(values, listFetches(es));
    if (es.template !== undefined) await loadTemplateEngine();
    const applied = applyRules(es, results, values.templates, { jmesPathRawFallback: flags.jmesPathRawFallback });
    failures.push(...applied.failures);
    const dir = join(flags.out, es.name);
    await cleanLeftovers(dir);
    const writeOptions = flags.gid === undefined ? { mode: flags.mode } : { mode: flags.mode, gid: flags.gid };
    const { changed } = await writeFileSet(dir, applied.files, writeOptions);
    const keys = [...applied.files.keys()].sort();
    lines.push(`${es.name}: ${keys.length} file(s)${changed ? '' : ' (unchanged)'} in ${dir}${keys.length > 0 ? `: ${keys.join(', ')}` : ''}`);
  }
  // 5.
  if (skipped.length > 0) lines.push(`skipped ${skipped.length} object(s) that are not ExternalSecrets: ${skipped.join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const f of failures) process.stderr.write(`${formatFailure(f)}\n`);
  if (failures.length > 0) {
    process.stderr.write(`render: ${failures.length} entr${failures.length === 1 ? 'y' : 'ies'} failed\n`);
    return 1;
  }
  return 0;
}
