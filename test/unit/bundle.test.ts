/**
 * The image's entry points, tested without the source tree: build the esbuild bundles into a
 * temp folder, copy them to another temp folder outside the repository (as the Dockerfile copies
 * dist/ into a distroless image with no node_modules), and run the commands from there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: cwd } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string }> }>;
}

/** Every output statically reachable from `start` (import statements only; `import()` stays lazy). */
function staticClosure(meta: Metafile, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of meta.outputs[file]?.imports ?? []) {
      if (imp.kind === 'import-statement' && meta.outputs[imp.path] !== undefined) stack.push(imp.path);
    }
  }
  return seen;
}

function inputsOf(meta: Metafile, outputs: Set<string>): string[] {
  return [...outputs].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}));
}

const EXTERNAL_SECRET = `apiVersion: alibabacloud.com/v1alpha1
kind: ExternalSecret
metadata: {name: db, namespace: team-a}
spec:
  dataProcess:
  - extract: {key: db-credentials}
`;

const MANIFESTS = `apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: team-a, annotations: {ack.alibabacloud.com/role-arn: "acs:ram::1234567890:role/app"}}
---
apiVersion: alibabacloud.com/v1alpha1
kind: ExternalSecret
metadata: {name: db, namespace: team-a}
spec:
  data:
  - {key: db-password, name: password}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team-a
  labels: {secret-injector.alibabacloud.com/inject: "true"}
  annotations: {secret-injector.alibabacloud.com/external-secrets: db}
spec:
  serviceAccountName: app
  containers: [{name: web, image: "nginx:1.27"}]
`;

describe('the esbuild bundles outside the source tree', () => {
  let work: string;
  let dist: string;
  let meta: Metafile;
  let buildOutput: Run;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'bundle-test-'));
    // 1. Build with the project's script, as `npm run build` does in the image's builder stage.
    buildOutput = await run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--outdir', join(work, 'build'), '--metafile', join(work, 'meta.json')], ROOT);
    assert.equal(buildOutput.code, 0, buildOutput.stderr);
    meta = JSON.parse(await readFile(join(work, 'meta.json'), 'utf8')) as Metafile;
    // Metafile paths are relative to the repository root; key them by absolute path.
    meta.outputs = Object.fromEntries(
      Object.entries(meta.outputs).map(([file, info]) => [resolve(ROOT, file), { ...info, imports: info.imports.map((i) => ({ ...i, path: resolve(ROOT, i.path) })) }]),
    );
    // 2. Copy only dist/ to a folder with no package.json or node_modules anywhere above it.
    dist = join(work, 'image', 'app', 'dist');
    await cp(join(work, 'build'), dist, { recursive: true });
    await mkdir(join(work, 'cwd'));
    await writeFile(join(work, 'cwd', 'manifests.yaml'), MANIFESTS);
    await writeFile(join(work, 'cwd', 'external-secret.yaml'), EXTERNAL_SECRET);
    await writeFile(join(work, 'cwd', 'values.json'), JSON.stringify({ kms: { 'db-credentials': JSON.stringify({ username: 'app', password: 'render-s3cret' }) } }));
    await writeFile(join(work, 'cwd', 'settings.yaml'), 'image: registry.example.com/ack-secret-injector:0.1.0\nregion: cn-hangzhou\naccountId: "1234567890"\nclusterId: c0ffee\nnativeSidecar: never\n');
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('prints the size of every bundle and the total', () => {
    assert.match(buildOutput.stdout, /^\s+cli\.mjs\s+[\d.]+ KiB$/m);
    assert.match(buildOutput.stdout, /^\s+chunks\/\S+\.mjs\s+[\d.]+ KiB$/m);
    assert.match(buildOutput.stdout, /^\s+total\s+[\d.]+ KiB$/m);
  });

  it('keeps fastify, the Kubernetes client and the Alibaba Cloud SDK out of what cli.mjs loads at start', () => {
    const entry = join(work, 'build', 'cli.mjs');
    // The entry turns the compile cache on, then imports the CLI table dynamically (scripts/bundle-entry.ts).
    assert.ok(inputsOf(meta, staticClosure(meta, entry)).includes('scripts/bundle-entry.ts'));
    const mainChunk = Object.keys(meta.outputs).find((o) => Object.keys(meta.outputs[o]!.inputs).includes('cli/main.ts'));
    assert.ok(mainChunk !== undefined, 'cli/main.ts is bundled');
    assert.ok(meta.outputs[entry]!.imports.some((i) => i.kind === 'dynamic-import' && i.path === mainChunk), 'the entry imports the CLI table');
    const closure = staticClosure(meta, mainChunk);
    for (const o of staticClosure(meta, entry)) closure.add(o);
    const inputs = inputsOf(meta, closure);
    for (const heavy of ['node_modules/fastify/', 'node_modules/@kubernetes/client-node/', 'node_modules/@alicloud/']) {
      assert.deepEqual(inputs.filter((i) => i.startsWith(heavy)), [], `${heavy} loaded at start`);
    }
  });

  it('gives init and agent none of the SDK modules the injector never reaches (websocket, socks proxy, lodash, moment, xml2js)', () => {
    const chunkOf = (input: string): string => Object.keys(meta.outputs).find((o) => Object.keys(meta.outputs[o]!.inputs).includes(input))!;
    const closure = staticClosure(meta, chunkOf('injector/init-command.ts'));
    for (const o of staticClosure(meta, chunkOf('injector/agent-command.ts'))) closure.add(o);
    const initInputs = inputsOf(meta, closure);
    assert.ok(initInputs.includes('node_modules/@alicloud/openapi-client/dist/client.js'), 'init still uses the real SDK client');
    assert.ok(initInputs.includes('injector/cloud/sdk-darabonba-core.ts') && initInputs.includes('injector/cloud/sdk-xml-error-body.ts'), 'the slim replacements are in');
    for (const gone of ['node_modules/@darabonba/typescript/dist/index.js', 'node_modules/@darabonba/typescript/dist/websocket.js', 'node_modules/ws/', 'node_modules/socks-proxy-agent/', 'node_modules/moment', 'node_modules/xml2js/', 'node_modules/@alicloud/tea-xml/']) {
      assert.deepEqual(initInputs.filter((i) => i.startsWith(gone)), [], `${gone} is loaded by init or agent`);
    }
    assert.deepEqual(initInputs.filter((i) => i.startsWith('node_modules/lodash')), [], 'lodash is loaded by init or agent');
  });

  it('keeps the template engine out of what init and agent load at start (injector/rules/template-engine.ts loads it on the first template)', () => {
    const chunkOf = (input: string): string => Object.keys(meta.outputs).find((o) => Object.keys(meta.outputs[o]!.inputs).includes(input))!;
    for (const command of ['injector/init-command.ts', 'injector/agent-command.ts']) {
      const inputs = inputsOf(meta, staticClosure(meta, chunkOf(command)));
      assert.deepEqual(inputs.filter((i) => i.startsWith('common/templates/')), [], `${command} loads the template engine at start`);
    }
    assert.ok(Object.values(meta.outputs).some((o) => Object.keys(o.inputs).includes('common/templates/exec.ts')), 'the engine is still bundled');
  });

  it('fills the compile cache beside the bundle, one sub-folder per Node version, arch, V8 flag hash and user', async () => {
    // Two flag hashes: the default flags (webhook, init), and --jitless, which the webhook injects
    // into the agent (webhook/pod/container-base.ts; the heap-size flags do not count).
    const folders = (await readdir(join(dist, '.compile-cache'))).sort();
    assert.equal(folders.length, 2, folders.join(', '));
    for (const folder of folders) {
      assert.match(folder, new RegExp(`^${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]+-${process.getuid?.() ?? 0}$`));
      assert.ok((await readdir(join(dist, '.compile-cache', folder))).length >= 3, `${folder}: an entry per loaded chunk`);
    }
  });

  it('keeps fastify and the Kubernetes client out of the init command', () => {
    const initChunk = Object.keys(meta.outputs).find((o) => Object.keys(meta.outputs[o]!.inputs).includes('injector/init-command.ts'));
    assert.ok(initChunk !== undefined, 'init-command.ts is bundled');
    const closure = staticClosure(meta, initChunk);
    closure.add(join(work, 'build', 'cli.mjs'));
    const inputs = inputsOf(meta, closure);
    for (const heavy of ['node_modules/fastify/', 'node_modules/@kubernetes/client-node/']) {
      assert.deepEqual(inputs.filter((i) => i.startsWith(heavy)), [], `${heavy} loaded by init`);
    }
  });

  const cases: Array<{ name: string; args: string[]; code: number; stdout?: RegExp; check?: (r: Run) => void }> = [
    { name: '--version prints the package version', args: ['--version'], code: 0, check: (r) => assert.equal(r.stdout, `${pkg.version}\n`) },
    { name: '--help lists every command', args: ['--help'], code: 0, stdout: /webhook[\s\S]*mutate[\s\S]*init[\s\S]*agent[\s\S]*render/ },
    { name: 'webhook --help loads the server command from its chunk', args: ['webhook', '--help'], code: 0, stdout: /Usage: ack-secret-injector webhook --settings FILE --tls-dir DIR/ },
    { name: 'an unknown command exits 2', args: ['frobnicate'], code: 2 },
    {
      name: 'mutate injects the init container into a pod from manifest files',
      args: ['mutate', '-f', 'manifests.yaml', '--settings', 'settings.yaml', '-o', 'json'],
      code: 0,
      check: (r) => {
        const mutated = JSON.parse(r.stdout) as { spec: { initContainers?: Array<{ name: string; command?: string[] }> }; metadata: { annotations: Record<string, string> } };
        const init = mutated.spec.initContainers?.find((c) => c.name === 'ack-secret-injector-init');
        assert.ok(init !== undefined, r.stdout);
        assert.deepEqual(init.command?.slice(0, 2), ['/nodejs/bin/node', '/app/dist/cli.mjs'], 'the image layout contract');
        assert.equal(mutated.metadata.annotations['secret-injector.alibabacloud.com/status'], 'injected');
      },
    },
    {
      name: 'render writes the files an ExternalSecret yields for values from a file',
      args: ['render', '-f', 'external-secret.yaml', '--values', 'values.json', '--out', 'out'],
      code: 0,
      check: (r) => {
        assert.ok(!r.stdout.includes('render-s3cret') && !r.stderr.includes('render-s3cret'), 'render never prints a value');
      },
    },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const r = await run(process.execPath, [join(dist, 'cli.mjs'), ...tc.args], join(work, 'cwd'));
      assert.equal(r.code, tc.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      if (tc.stdout !== undefined) assert.match(r.stdout, tc.stdout);
      tc.check?.(r);
    });
  }

  it('render produced <out>/<ExternalSecret name>/<key> files through the kubelet ..data layout', async () => {
    const out = join(work, 'cwd', 'out', 'db');
    assert.equal(await readFile(join(out, 'username'), 'utf8'), 'app');
    assert.equal(await readFile(join(out, 'password'), 'utf8'), 'render-s3cret');
    assert.equal(await readFile(join(out, '..data', 'password'), 'utf8'), 'render-s3cret');
  });
});
