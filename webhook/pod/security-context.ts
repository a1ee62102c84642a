/**
 * The hardened securityContext of the injector containers. It satisfies the "restricted" Pod
 * Security Standard (https://kubernetes.io/docs/concepts/security/pod-security-standards/), which
 * vault-k8s misses for lack of a seccompProfile (vault-k8s #377, #599).
 */
import type { V1SecurityContext } from '@kubernetes/client-node';

/** The distroless `nonroot` user (https://github.com/GoogleContainerTools/distroless, uid 65532). */
export const INJECTOR_UID = 65532;
/** The distroless `nonroot` group. */
export const INJECTOR_GID = 65532;

/**
 * Non-root, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault
 * seccomp. `runAsUser` differs from the default only when the agent must signal an app process
 * (a process may signal only processes of its own uid without CAP_KILL, kill(2)); `runAsGroup` is
 * the file group so the written files carry it.
 */
export function buildSecurityContext(options: { runAsUser?: number; runAsGroup?: number } = {}): V1SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: options.runAsUser ?? INJECTOR_UID,
    runAsGroup: options.runAsGroup ?? INJECTOR_GID,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
