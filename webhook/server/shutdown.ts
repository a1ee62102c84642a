/**
 * Graceful shutdown of the webhook server. A Deployment rollout or node drain deletes a replica
 * while the API server may still be sending it reviews; with `failurePolicy: Fail` a refused or
 * reset call denies the user's pod, so shutdown must lose no review.
 *
 * When a pod is deleted the kubelet sends SIGTERM at the same time as the EndpointSlice
 * controller removes the pod from the Service; kube-proxy on every node (the API server reaches
 * the webhook through the Service) learns of it a little later
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination and the
 * usual preStop-sleep advice). A distroless image has no shell for a `preStop: exec: sleep`, so
 * the delay happens here: keep serving for `delayMs` while reporting unready, then stop
 * accepting, let in-flight reviews finish, and only then exit. `delayMs` + the webhook's
 * `timeoutSeconds` must fit in the pod's `terminationGracePeriodSeconds` (default 30 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../common/log.ts';
import type { ReadinessCheck } from './app.ts';

/** Default time to keep serving after SIGTERM while endpoints converge; 5 s is the customary preStop sleep. */
export const SHUTDOWN_DELAY_MS = 5_000;
/**
 * Longest wait for in-flight reviews before open connections are cut: 25 s leaves room inside
 * the default 30 s terminationGracePeriodSeconds, and no review can usefully run longer than the
 * webhook's timeoutSeconds (at most 30 s) anyway.
 */
export const DRAIN_TIMEOUT_MS = 25_000;

/** A readiness check that turns false once shutdown begins, so `/readyz` fails during the delay. */
export class ShutdownGate implements ReadinessCheck {
  readonly name = 'not-shutting-down';
  #closing = false;
  ready = (): boolean => !this.#closing;
  /** True once shutdown has begun. */
  get closing(): boolean {
    return this.#closing;
  }
  close(): void {
    this.#closing = true;
  }
}

export interface DrainOptions {
  app: FastifyInstance;
  gate: ShutdownGate;
  logger: Logger;
  delayMs?: number;
  drainTimeoutMs?: number;
  /** Runs after the server closed (stop informers, the certificate watcher, ...). */
  cleanup?: () => void | Promise<void>;
  /** How step 2 waits; tests pass a promise they resolve themselves instead of a real delay. */
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * Steps: 1. report unready; 2. keep serving for `delayMs`; 3. `app.close()`: stop accepting,
 * close idle keep-alive connections, answer requests arriving on busy ones with 503 +
 * `Connection: close`, wait for in-flight reviews; 4. if they outlive `drainTimeoutMs`, cut the
 * remaining connections; 5. cleanup.
 */
export async function drainAndClose(options: DrainOptions): Promise<void> {
  const { app, gate, logger } = options;
  const delayMs = options.delayMs ?? SHUTDOWN_DELAY_MS;
  const drainTimeoutMs = options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS;
  // 1.
  gate.close();
  logger.info({ delayMs }, 'shutting down: unready, still serving while endpoints converge');
  // 2.
  if (delayMs > 0) await (options.wait ?? sleep)(delayMs);
  // 3. + 4.
  logger.info('closing: no new connections; draining in-flight reviews');
  const abort = new AbortController();
  const forced = sleep(drainTimeoutMs, undefined, { signal: abort.signal }).then(
    () => {
      logger.warn({ drainTimeoutMs }, 'in-flight reviews did not finish in time; closing their connections');
      const server = app.server as { closeAllConnections?: () => void };
      server.closeAllConnections?.();
    },
    () => undefined,
  );
  try {
    await app.close();
  } finally {
    abort.abort();
    await forced;
  }
  // 5.
  await options.cleanup?.();
  logger.info('shut down');
}
