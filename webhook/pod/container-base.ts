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
 * Memory the injector needs outside the V8 old space, in MiB: Node 24 itself starts at about
 * 42 MiB RSS, and the bundled injector with its TLS connections runs at about 86-91 MiB RSS with
 * a live heap far below its old-space cap (docs/benchmarks.md, "Agent"), so 64 MiB covers code,
 * young generation and native buffers.
 */
export const NON_HEAP_RESERVE_MIB = 64;
/** Below this the injector could not hold its heap (about 11 MiB used after loading, more per cycle); the cap never goes lower. */
export const MIN_OLD_SPACE_MIB = 32;
/**
 * Young-generation semi-space cap, in MiB. V8 grows the semi-spaces (up to 16-32 MiB) when a
 * process allocates fast, and never gives that memory back to a mostly idle sidecar; 1 MiB
 * keeps short-lived request objects cheap to scavenge (https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib).
 */
export const SEMI_SPACE_MIB = 1;

/**
 * `NODE_OPTIONS` for an injector container with memory limit `memoryLimit` (a Kubernetes
 * quantity): a small young generation, and an old-space cap of the limit minus
 * NON_HEAP_RESERVE_MIB (at least MIN_OLD_SPACE_MIB), so V8 collects before the kernel's OOM
 * killer would, instead of sizing its heap from the node's memory (V8's default). Without a
 * parsable limit only the semi-space cap is set.
 */
export function injectorNodeOptions(memoryLimit: string | undefined): string {
  const flags = [`--max-semi-space-size=${SEMI_SPACE_MIB}`];
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
      { name: 'NODE_OPTIONS', value: injectorNodeOptions(inputs.resources.limits.memory) },
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
