/**
 * One worker process of the fleet benchmark (bench/fleet.ts): hosts many simulated pods, each
 * running the injector's real code path in this process: `buildInjectorRuntime` from the pod's
 * own injector config, `runInit` (the real STS client with the pod's own token, the real SDK over
 * HTTPS to the emulator, the rules, the atomic writer into the pod's own folder), then, as a
 * separate runtime (a container is a separate process: nothing is shared but the files and the
 * handoff), `runAgent` until told to stop. A pod costs a runtime (kilobytes to a few hundred), not
 * a Node process.
 *
 * A pod whose init exits non-zero is restarted as the kubelet restarts a failed init container:
 * after 10 s, 20 s, 40 s, ... at most 300 s (kubelet's CrashLoopBackOff,
 * https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts).
 *
 * IPC in: `{type: 'start', pods: [{id, configJson}]}`, `{type: 'stop'}`.
 * IPC out: `{type: 'served', id, at}` when a pod's init succeeded (its files are written),
 * `{type: 'initFailed', id, at}` per failed init run, `{type: 'stopped'}`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { runAgent } from '../injector/agent-command.ts';
import { buildInjectorRuntime } from '../injector/injector-runtime.ts';
import { runInit } from '../injector/init-command.ts';
import { INJECTOR_CONFIG_ENV } from '../contract/injector-config-schema.ts';

/** kubelet's restart backoff for a failed container: 10 s doubling, capped at 5 min. */
const RESTART_BASE_MS = 10_000;
const RESTART_MAX_MS = 300_000;

interface PodSpec {
  id: number;
  configJson: string;
}

type Message = { type: 'start'; pods: PodSpec[] } | { type: 'stop' };

const stop = new AbortController();
const running: Promise<void>[] = [];
/** Logs go nowhere: 1,000 pods' info lines would cost more than the pods (nothing here is a secret either way). */
const sink = { write: (): void => undefined };

function send(m: Record<string, unknown>): void {
  process.send?.(m);
}

/**
 * One pod's life: init (restarted with the kubelet's backoff until it succeeds), then the agent.
 * Stderr lines of failed inits (runInit prints one per failed entry) are not wanted here; they are
 * counted through the `initFailed` messages instead.
 */
async function runPod(pod: PodSpec): Promise<void> {
  const env = { ...process.env, [INJECTOR_CONFIG_ENV]: pod.configJson };
  for (let restart = 0; !stop.signal.aborted; restart++) {
    const init = buildInjectorRuntime('init', env, { logDestination: sink });
    const code = await runInit(init, undefined, stop.signal);
    if (stop.signal.aborted) return;
    if (code === 0) {
      send({ type: 'served', id: pod.id, at: Date.now() });
      break;
    }
    send({ type: 'initFailed', id: pod.id, at: Date.now() });
    await delay(Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** restart), undefined, { signal: stop.signal }).catch(() => undefined);
  }
  if (stop.signal.aborted) return;
  const agent = buildInjectorRuntime('agent', env, { logDestination: sink });
  await runAgent(agent, '127.0.0.1', stop.signal);
}

process.stderr.write = ((): boolean => true) as typeof process.stderr.write;
process.on('message', (m: Message) => {
  if (m.type === 'start') {
    for (const pod of m.pods) running.push(runPod(pod).catch((err: unknown) => { send({ type: 'error', id: pod.id, message: err instanceof Error ? err.message : String(err) }); }));
  } else {
    stop.abort();
    // The SDK's keep-alive sockets would hold the process open: exit once every pod has stopped.
    void Promise.allSettled(running).then(() => { send({ type: 'stopped' }); setImmediate(() => process.exit(0)); });
  }
});
send({ type: 'ready' });
