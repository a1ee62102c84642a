/**
 * The init container: fetches every secret once, writes the files, exits 0. The app containers
 * start only after it, so they never see an empty folder.
 */
import type { V1Container } from '@kubernetes/client-node';
import { buildInjectorContainer, type InjectorContainerInputs } from './container-base.ts';

/** Name of the init container; fixed, so a re-invoked webhook recognises its own work. */
export const INIT_CONTAINER_NAME = 'ack-secret-injector-init';

/** `ack-secret-injector init` with the pod's injector config. */
export function buildInitContainer(inputs: InjectorContainerInputs): V1Container {
  return buildInjectorContainer(INIT_CONTAINER_NAME, 'init', inputs);
}
