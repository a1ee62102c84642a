/**
 * What the init container and the agent have in common: image, command, the injector config in
 * the environment, mounts, resources and the hardened securityContext. Both run the same program
 * with the same config; only the subcommand and the lifecycle differ.
 */
import type { V1Container, V1SecurityContext, V1VolumeMount } from '@kubernetes/client-node';
import { INJECTOR_CONFIG_ENV } from '../injector/config-schema.ts';
import type { ResourceSettings, Settings } from './settings.ts';

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
    env: [{ name: INJECTOR_CONFIG_ENV, value: inputs.configJson }],
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
