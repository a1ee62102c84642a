/**
 * The SHIPPED injector against the Alibaba Cloud emulator: the esbuild bundle (with the slimmed
 * SDK modules of scripts/sdk-slim-plugin.mjs and its compile cache) is built through
 * scripts/bundle.mjs's API, copied to a folder with no node_modules above it (as the Dockerfile
 * copies dist/), and `init` and `agent` run from there. The cases go through every SDK path the
 * slimmed modules sit under: KMS text and binary, OOS, the anonymous AssumeRoleWithOIDC, the
 * signed chained AssumeRole, a 403 error answer and a retried 500.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InjectorConfig } from '../../contract/injector-config-schema.ts';
import { bundle } from '../../scripts/bundle.mjs';
import { accountTrustPolicy, allowPolicy, rrsaTrustPolicy } from '../emulator/index.ts';
import { InjectorWorld, waitFor, type InjectorProcess } from './injector-harness.ts';
import { injectorNodeOptions } from '../../webhook/pod/container-base.ts';
import { SETTING_DEFAULTS } from '../../webhook/settings.ts';

const OTHER_ACCOUNT = '2222333344445555';

describe('the bundled injector against the emulator', () => {
  let work: string;
  let cli: string;
  let w: InjectorWorld;
  let roleA = '';
  let remote = '';
  const bin = Buffer.from([0, 1, 2, 254, 255, 10, 13]);

  /**
   * `node <bundle>/cli.mjs <command>` from outside the source tree, as the image runs it, with the
   * NODE_OPTIONS the webhook injects for the default limit (the heap caps; --jitless for the agent).
   */
  function spawnBundled(command: 'init' | 'agent', config: InjectorConfig, args: string[] = []): InjectorProcess {
    return w.spawn(command, config, args, { cli, cwd: work, nodeOptions: injectorNodeOptions(command, SETTING_DEFAULTS.resources.limits.memory) });
  }

  async function prepared(name: string, config: InjectorConfig): Promise<InjectorConfig> {
    await mkdir(join(w.dir, name), { recursive: true });
    await w.writeToken(config.tokenPath, config.pod.namespace, config.pod.serviceAccount);
    return config;
  }

  before(async () => {
    // 1. Build through the script's API and copy dist/ away from the repository.
    work = await mkdtemp(join(tmpdir(), 'bundle-injector-'));
    await bundle({ outdir: join(work, 'build') });
    await cp(join(work, 'build'), join(work, 'image', 'app', 'dist'), { recursive: true });
    cli = join(work, 'image', 'app', 'dist', 'cli.mjs');
    // 2. One emulator world: team-a's role, a cross-account role it may assume, the secrets.
    w = await InjectorWorld.start();
    await w.emu.defineAccount({ accountId: OTHER_ACCOUNT });
    roleA = (await w.emu.defineRole({ name: 'team-a', trustPolicy: rrsaTrustPolicy({ providerArn: w.providerArn, issuer: w.emu.issuer, subject: 'system:serviceaccount:team-a:app' }), policies: [
      allowPolicy('kms:GetSecretValue', `acs:kms:${w.emu.region}:${w.emu.accountId}:secret/team-a/*`),
      allowPolicy('oos:GetSecretParameter', `acs:oos:${w.emu.region}:${w.emu.accountId}:secretparameter/team-a/*`),
      allowPolicy('sts:AssumeRole', `acs:ram::${OTHER_ACCOUNT}:role/shared-reader`),
    ] })).arn;
    remote = (await w.emu.defineRole({ accountId: OTHER_ACCOUNT, name: 'shared-reader', trustPolicy: accountTrustPolicy({ principals: [roleA] }), policies: [
      allowPolicy('kms:GetSecretValue', `acs:kms:${w.emu.region}:${OTHER_ACCOUNT}:secret/shared/*`),
    ] })).arn;
    await w.secret('team-a/db', '{"user":"bundled-user-1","password":"bundled-pass-1"}');
    await w.emu.seedSecret({ name: 'team-a/bin', binaryBase64: bin.toString('base64') });
    await w.parameter('team-a/api-key', 'bundled-oos-value-7');
    await w.secret('shared/license', 'bundled-cross-account-license', OTHER_ACCOUNT);
    await w.secret('team-b/db', 'someone-elses-secret');
  });
  after(async () => {
    await w.close();
    await rm(work, { recursive: true, force: true });
  });

  it('init writes KMS text (extract), binary, OOS and a chained cross-account secret, exit 0', async () => {
    await w.emu.resetCounts();
    const cfg = await prepared('ok', w.config({
      name: 'ok', ns: 'team-a', profiles: [w.rrsa('p', roleA), w.rrsa('x', roleA, { remoteRoleArn: remote, remoteRoleSessionName: 'it-remote' })],
      externalSecrets: [
        { name: 'db', provider: 'kms', data: [{ key: 'team-a/bin', name: 'bin', profile: 'p' }], dataProcess: [{ extract: { key: 'team-a/db', profile: 'p' } }] },
        { name: 'api', provider: 'oos', data: [{ key: 'team-a/api-key', name: 'key', profile: 'p' }], dataProcess: [] },
        { name: 'lic', provider: 'kms', data: [{ key: 'shared/license', name: 'key', profile: 'x' }], dataProcess: [] },
      ],
    }));
    const p = spawnBundled('init', cfg);
    assert.equal(await p.exited, 0, p.output());
    assert.equal(await readFile(join(cfg.mountPath, 'db', 'user'), 'utf8'), 'bundled-user-1');
    assert.equal(await readFile(join(cfg.mountPath, 'db', 'password'), 'utf8'), 'bundled-pass-1');
    assert.deepEqual(await readFile(join(cfg.mountPath, 'db', 'bin')), bin);
    assert.equal(await readFile(join(cfg.mountPath, 'api', 'key'), 'utf8'), 'bundled-oos-value-7');
    assert.equal(await readFile(join(cfg.mountPath, 'lic', 'key'), 'utf8'), 'bundled-cross-account-license');
    const counts = await w.emu.counts();
    assert.equal(counts.actions.AssumeRoleWithOIDC, 2, 'one exchange per profile');
    assert.equal(counts.actions.AssumeRole, 1, 'the chained hop, signed with the first hop');
    assert.equal(counts.roles[remote]?.GetSecretValue, 1, 'read as the remote role');
    assert.equal(counts.actions.GetSecretParameter, 1);
  });

  it('init reports a Forbidden answer with its code and HTTP status, and exits 1 at once', async () => {
    const cfg = await prepared('denied', w.config({
      name: 'denied', ns: 'team-a', profiles: [w.rrsa('p', roleA)],
      externalSecrets: [{ name: 'db', provider: 'kms', data: [{ key: 'team-b/db', name: 'password', profile: 'p' }], dataProcess: [] }],
    }));
    const p = spawnBundled('init', cfg);
    assert.equal(await p.exited, 1, p.output());
    assert.match(p.output(), /init: failed: ExternalSecret "db" key "team-b\/db": E_PROVIDER: data\[0\]: KMS GetSecretValue "team-b\/db": Forbidden\.NoPermission \(HTTP 403\)/);
    assert.match(p.output(), /init failed with errors that retrying cannot fix/, 'a denial is not retried');
  });

  it('agent refreshes from the bundle, retries a 500, picks up a rotation and exits 0 on SIGTERM', async () => {
    const cfg = await prepared('agent', w.config({
      name: 'agent', ns: 'team-a', profiles: [w.rrsa('p', roleA)],
      externalSecrets: [{ name: 'db', provider: 'kms', data: [], dataProcess: [{ extract: { key: 'team-a/db', profile: 'p' } }] }],
    }));
    await w.emu.fault({ action: 'GetSecretValue', kind: 'error', count: 1, status: 500, code: 'InternalError' });
    const p = spawnBundled('agent', cfg, ['--health-address', '127.0.0.1', '--interval-ms', '100']);
    const cycles = (): number => p.output().split('\n').filter((l) => l.includes('"refresh done"')).length;
    await waitFor('three refreshes', () => (cycles() >= 3 ? true : undefined), 30_000, p);
    assert.match(p.output(), /"cloudCode":"InternalError"[^\n]*fetch failed, retrying after backoff/);
    await w.rotate('team-a/db', '{"user":"bundled-user-2","password":"bundled-pass-2"}');
    await waitFor('the rotated value', async () => ((await readFile(join(cfg.mountPath, 'db', 'user'), 'utf8')) === 'bundled-user-2' ? true : undefined), 30_000, p);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    assert.equal(await readFile(join(cfg.mountPath, 'db', 'password'), 'utf8'), 'bundled-pass-2');
  });

  it('neither init nor agent loads Node\'s bundled undici, http2 or web streams (no ESM facade of node:http)', async () => {
    // The ESM facade of `node:http` reads its lazy WebSocket getters, which load undici: about
    // 20 ms of init's start and 2.6 MB of the agent's heap (docs/benchmarks.md). A preload prints
    // the internal modules loaded by the time the process exits.
    const preload = join(work, 'loaded-at-exit.mjs');
    await writeFile(preload, "process.on('exit', () => process.stderr.write('loaded-at-exit: ' + process.moduleLoadList.filter((m) => /undici|http2|webstreams/.test(m)).join(',') + '\\n'));\n");
    const cfg = await prepared('modules', w.config({
      name: 'modules', ns: 'team-a', profiles: [w.rrsa('p', roleA)],
      externalSecrets: [{ name: 'db', provider: 'kms', data: [], dataProcess: [{ extract: { key: 'team-a/db', profile: 'p' } }] }],
    }));
    const run = (command: 'init' | 'agent', args: string[]): InjectorProcess => w.spawn(command, cfg, args, { cli, cwd: work, nodeOptions: `${injectorNodeOptions(command, SETTING_DEFAULTS.resources.limits.memory)} --import ${preload}` });
    const init = run('init', []);
    assert.equal(await init.exited, 0, init.output());
    const agent = run('agent', ['--health-address', '127.0.0.1', '--interval-ms', '100']);
    await waitFor('a refresh', () => (agent.output().includes('"refresh done"') ? true : undefined), 30_000, agent);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0, agent.output());
    for (const [name, p] of [['init', init], ['agent', agent]] as const) {
      const line = p.output().split('\n').find((l) => l.startsWith('loaded-at-exit: '));
      assert.equal(line, 'loaded-at-exit: ', `${name} loaded: ${line}`);
    }
  });

  it('no process printed a secret value or a token', () => {
    assert.ok(w.processes.length >= 3);
    w.assertNoSecretsInLogs();
  });
});
