/**
 * The node's teardown runs whatever way a run ends (test/e2e/node/host.ts, node.ts): a run that
 * is SIGKILLed (no handler can run) is torn down by the next run's sweep, and a SIGTERMed run
 * tears itself down in its signal handler. The dying run here leaves what a kubelet would: a tmpfs
 * mount under its folder, a `kubepods` cgroup with a process in it, a changed kernel tunable, and
 * its bridge. No kubelet is needed to prove the clean-up, so this takes seconds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubepodsCgroups, mountsUnder } from './node/host.ts';
import { nodeSupport, prepareNode } from './node/node.ts';
import { ROOT } from './stack.ts';

/** A child that prepares a node, then dirties the machine like a kubelet, prints its run and waits. */
const DYING_RUN = `
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const { prepareNode } = await import(${JSON.stringify(join(ROOT, 'test/e2e/node/node.ts'))});
const p = await prepareNode(() => {});
const { runDir, bridge } = p.layout;
mkdirSync(join(runDir, 'kubelet/pods/x/volumes'), { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(runDir, 'kubelet/pods/x/volumes')]);
const sleeper = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
sleeper.unref();
mkdirSync('/sys/fs/cgroup/pids/kubepods/besteffort/pod-x', { recursive: true });
writeFileSync('/sys/fs/cgroup/pids/kubepods/besteffort/pod-x/cgroup.procs', String(sleeper.pid));
writeFileSync('/proc/sys/kernel/panic', '10');
process.stdout.write(JSON.stringify({ runDir, bridge, sleeper: sleeper.pid }) + '\\n');
setInterval(() => {}, 1 << 30);
`;

interface Dying {
  readonly child: ChildProcess;
  readonly run: { runDir: string; bridge: string; sleeper: number };
}

async function startDyingRun(): Promise<Dying> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', DYING_RUN], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`the dying run exited early with ${code}`)));
  });
  return { child, run: JSON.parse(line) as Dying['run'] };
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
const tunable = (): string => readFileSync('/proc/sys/kernel/panic', 'utf8').trim();

const missing = nodeSupport();

test('a SIGKILLed node run is torn down by the next run; a SIGTERMed one tears itself down', { skip: missing.length > 0 && `no node here: ${missing.join('; ')}`, timeout: 120_000 }, async (t) => {
  const before = tunable();
  await t.test('SIGKILL: the next prepareNode sweeps the stale run', async () => {
    const dying = await startDyingRun();
    assert.ok(existsSync(join('/sys/class/net', dying.run.bridge)) && mountsUnder(dying.run.runDir).length === 1 && tunable() === '10');
    dying.child.kill('SIGKILL');
    await new Promise((r) => dying.child.once('exit', r));
    assert.ok(existsSync(join('/sys/class/net', dying.run.bridge)), 'SIGKILL runs no handler: the bridge is still there');
    const next = await prepareNode(() => {});
    try {
      assert.equal(existsSync(join('/sys/class/net', dying.run.bridge)), false, 'bridge');
      assert.deepEqual(mountsUnder(dying.run.runDir), [], 'mounts');
      assert.equal(existsSync(dying.run.runDir), false, 'run folder');
      assert.equal(alive(dying.run.sleeper), false, 'the process in the kubepods cgroup');
      assert.deepEqual(kubepodsCgroups(), [], 'kubepods cgroups');
      assert.equal(tunable(), before, 'kernel.panic restored');
    } finally {
      assert.deepEqual(await next.finish(), []);
    }
  });
  await t.test('SIGTERM: the exit handler tears the run down before the process ends', async () => {
    const dying = await startDyingRun();
    dying.child.kill('SIGTERM');
    await new Promise((r) => dying.child.once('exit', r));
    assert.equal(existsSync(join('/sys/class/net', dying.run.bridge)), false, 'bridge');
    assert.deepEqual(mountsUnder(dying.run.runDir), [], 'mounts');
    assert.equal(alive(dying.run.sleeper), false, 'the process in the kubepods cgroup');
    assert.deepEqual(kubepodsCgroups(), [], 'kubepods cgroups');
    assert.equal(tunable(), before, 'kernel.panic restored');
    assert.equal(existsSync(dying.run.runDir), false, 'run folder');
  });
});
