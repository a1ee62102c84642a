/**
 * The refreshing agent: as a classic container, or as a native sidecar (an init container with
 * `restartPolicy: Always`, KEP-753) that starts before the app containers and, unlike a classic
 * sidecar, does not keep a Job from completing.
 */
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { buildInjectorContainer, type InjectorContainerInputs } from './container-base.ts';

/** Name of the refreshing agent container; fixed, so a re-invoked webhook recognises its own work. */
export const AGENT_CONTAINER_NAME = 'ack-secret-injector-agent';
/** The agent's readiness path: it answers 200 only after its first complete write. */
export const READY_PATH = '/ready';

/**
 * The startupProbe of the native sidecar. The kubelet starts the next init container (or the app
 * containers) only once a restartable init container's startupProbe succeeds
 * (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/), so with skip-init the
 * app never starts before the files exist. 2s × 150 = 5 minutes for the first fetch, room for the
 * injector's retries with backoff on throttling.
 */
export function buildStartupProbe(healthPort: number): V1Probe {
  return {
    httpGet: { path: READY_PATH, port: healthPort },
    periodSeconds: 2,
    timeoutSeconds: 1,
    failureThreshold: 150,
  };
}

/** `ack-secret-injector agent`; `native` makes it a restartable init container with a startupProbe. */
export function buildAgentContainer(inputs: InjectorContainerInputs, native: boolean): V1Container {
  const base = buildInjectorContainer(AGENT_CONTAINER_NAME, 'agent', inputs);
  if (!native) return base;
  return { ...base, restartPolicy: 'Always', startupProbe: buildStartupProbe(inputs.settings.healthPort) };
}
