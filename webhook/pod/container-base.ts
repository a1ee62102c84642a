/**
 * What the init container and the agent have in common: image, command, the injector config in
 * the environment, mounts, resources and the hardened securityContext. Both run the same program
 * with the same config; only the subcommand and the lifecycle differ.
 */
import type { V1Container, V1SecurityContext, V1VolumeMount } from '@kubernetes/client-node';
import { INJECTOR_CONFIG_ENV } from '../../contract/injector-config-schema.ts';
import { parseQuantity } from '../admission/quantity.ts';
import type { ResourceSettings, Settings } from '../settings.ts';

/**
 * Memory of an injector container outside V8's old space, in MiB, measured (docs/benchmarks.md,
 * "Agent"): with these flags the agent holds about 22 MB of private memory after 1000 refreshes
 * of 10 secrets (9 MB of it the old space's live set; 2 MB young generation, 2 MB code and
 * metadata, 9 MB native: OpenSSL, the TLS connections, Node itself), and touches about 44 MB of
 * file-backed pages (the node binary, the bundle). A cgroup is charged for those file pages when
 * its pod is the first on the node to read them; under a 64 MiB limit such a first pod thrashed
 * re-reading the node binary (tens of thousands of major faults), under 80 MiB it ran. 80 MiB
 * covers the file pages, the native part and the young generation, so the old space gets what
 * a larger limit adds (a pod with many secrets raises its limit and its heap cap follows).
 */
export const NON_HEAP_RESERVE_MIB = 80;
/**
 * The smallest old-space cap, in MiB: about twice the measured live set of the agent's old space
 * (8.6 MB for 10 secrets), so V8 can still collect and grow a little before it gives up.
 */
export const MIN_OLD_SPACE_MIB = 16;
/**
 * Young-generation semi-space cap, in MiB (the smallest V8 takes). V8 grows the semi-spaces (up to
 * 16-32 MiB) when a process allocates fast, and never gives that memory back to a mostly idle
 * sidecar; 1 MiB keeps short-lived request objects cheap to scavenge
 * (https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib).
 */
export const SEMI_SPACE_MIB = 1;

/**
 * `NODE_OPTIONS` for an injector container of `role` with memory limit `memoryLimit` (a
 * Kubernetes quantity):
 * - `--jitless`, for the agent only: no optimizing compilers and no runtime code pages. The agent
 *   works for milliseconds every few minutes, so JIT code is compiled for code that runs a handful
 *   of times. Measured: 10 MB less private memory and 8 MB less file-backed RSS (the compilers'
 *   own pages of the node binary are never touched), for about 6 ms more CPU per refresh of 10
 *   secrets (docs/benchmarks.md). It also turns off WebAssembly, which the injector does not use.
 *   Not for `init`: V8 rejects Node's built-in code cache under another flag set, so every Node
 *   module `init` loads is compiled from source (about 60 ms more CPU to start), and init's
 *   memory is given back when it exits.
 * - a small young generation (SEMI_SPACE_MIB);
 * - an old-space cap of the limit minus NON_HEAP_RESERVE_MIB (at least MIN_OLD_SPACE_MIB): 16 MiB,
 *   twice the measured live set, for the default 96Mi limit, so V8 collects near the live set
 *   instead of sizing its heap from the node's memory (V8's default); a larger limit (for many
 *   secrets) gives a larger cap.
 * Without a parsable limit the old space is left to V8.
 */
export function injectorNodeOptions(role: 'init' | 'agent', memoryLimit: string | undefined): string {
  const flags = [...(role === 'agent' ? ['--jitless'] : []), `--max-semi-space-size=${SEMI_SPACE_MIB}`];
  const bytes = memoryLimit === undefined ? undefined : parseQuantity(memoryLimit);
  if (bytes !== undefined && bytes > 0) {
    flags.push(`--max-old-space-size=${Math.max(MIN_OLD_SPACE_MIB, Math.floor(bytes / 1048576) - NON_HEAP_RESERVE_MIB)}`);
  }
  return flags.join(' ');
}

/** The inputs every injector container is built from. */
export interface InjectorContainerInputs {
  settings: Settings;
  /** `encodeInjectorConfig(...)` output: validated JSON naming secrets, never holding one. */
  configJson: string;
  mounts: V1VolumeMount[];
  resources: ResourceSettings;
  securityContext: V1SecurityContext;
}

/** A container running `<injectorCommand> <role>`. */
export function buildInjectorContainer(name: string, role: 'init' | 'agent', inputs: InjectorContainerInputs): V1Container {
  const { settings } = inputs;
  return {
    name,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    command: [...settings.injectorCommand, role],
    env: [
      { name: INJECTOR_CONFIG_ENV, value: inputs.configJson },
      // Heap sizes fitted to the container's memory limit (injectorNodeOptions).
      { name: 'NODE_OPTIONS', value: injectorNodeOptions(role, inputs.resources.limits.memory) },
    ],
    resources: {
      requests: { ...inputs.resources.requests },
      limits: { ...inputs.resources.limits },
    },
    securityContext: inputs.securityContext,
    volumeMounts: inputs.mounts,
    // A failed fetch shows its last log lines in `kubectl describe pod` without a log search.
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}
