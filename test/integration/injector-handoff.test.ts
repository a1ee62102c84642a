/**
 * The init → agent handoff (issue 15) with real processes against the emulator: `init` exchanges
 * the token once and fetches each secret once; the agent, started on its handoff, is ready at once
 * and makes neither a second STS exchange nor a refetch at start. With the handoff damaged, the
 * agent starts as before (one exchange, one refetch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { healthPort, InjectorWorld, waitFor } from './injector-harness.ts';

const cases = [
  { name: 'a good handoff: no second exchange, no refetch at start; the file is consumed', damage: false, wantSts: 1, wantKms: 2 },
  { name: 'a corrupt handoff: the agent starts normally (exchange and refetch)', damage: true, wantSts: 2, wantKms: 4 },
];

for (const c of cases) {
  test(`handoff: ${c.name}`, async (t) => {
    const w = await InjectorWorld.start();
    t.after(() => w.close());
    const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
    await w.secret('team-a/db', '{"user":"handoff-user","password":"handoff-pass-0001"}');
    await w.secret('team-a/api', 'handoff-api-key-0002');
    const cfg = w.config({ name: 'h', ns: 'team-a', refreshIntervalSeconds: 3600, profiles: [w.rrsa('p', role)], externalSecrets: [
      { name: 'db', provider: 'kms', data: [], dataProcess: [{ extract: { key: 'team-a/db', profile: 'p' } }] },
      { name: 'api', provider: 'kms', data: [{ key: 'team-a/api', name: 'key', profile: 'p' }], dataProcess: [] },
    ] });
    cfg.handoffPath = join(w.dir, 'h-handoff', 'handoff.json');
    await mkdir(join(w.dir, 'h-handoff'), { recursive: true });
    await mkdir(join(w.dir, 'h'), { recursive: true });
    await w.writeToken(cfg.tokenPath, 'team-a', 'app');
    const init = w.spawn('init', cfg);
    assert.equal(await init.exited, 0, init.output());
    assert.equal((await stat(cfg.handoffPath)).mode & 0o777, 0o600);
    const handoffText = await readFile(cfg.handoffPath, 'utf8');
    if (c.damage) await writeFile(cfg.handoffPath, handoffText.slice(0, 50));
    const agent = w.spawn('agent', cfg, ['--health-address', '127.0.0.1']);
    const port = await healthPort(agent);
    await waitFor('/ready', async () => ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200 ? true : undefined), 30_000, agent);
    // Give a refetch at start the time to happen, if the agent were to make one.
    await waitFor('the agent\'s start', () => (/took over from init|no usable handoff/.test(agent.output()) ? true : undefined), 30_000, agent);
    if (c.damage) await waitFor('the agent\'s first refresh', () => (/refresh done/.test(agent.output()) ? true : undefined), 30_000, agent);
    else await new Promise((r) => setTimeout(r, 1500));
    const counts = await w.emu.counts();
    assert.equal(counts.actions.AssumeRoleWithOIDC, c.wantSts);
    assert.equal(counts.actions.GetSecretValue, c.wantKms);
    await assert.rejects(stat(cfg.handoffPath), /ENOENT/, 'the agent consumed the handoff');
    assert.equal(await readFile(join(cfg.mountPath, 'api', 'key'), 'utf8'), 'handoff-api-key-0002');
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
    w.assertNoSecretsInLogs();
    assert.doesNotMatch(init.output() + agent.output(), /STS\.[A-Za-z0-9]{6,}/, 'no STS AccessKeyId in the logs');
  });
}
