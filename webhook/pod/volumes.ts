/**
 * The volumes the webhook adds and where the injector containers mount them. Names carry the
 * project prefix so they cannot collide with the application's own volumes (admission denies a
 * pod that already uses one of them).
 */
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';

/** Everything the injector mounts for itself lives under this folder; the app never sees it. */
export const INJECTOR_PATH_PREFIX = '/var/run/secrets/ack-secret-injector';
/** The shared tmpfs holding the files. */
export const FILES_VOLUME = 'ack-secret-injector-files';
/** The projected ServiceAccount token the injector trades for STS credentials. */
export const TOKEN_VOLUME = 'ack-secret-injector-token';
/** Prefix of the Secret volumes that carry AccessKey pairs named by a SecretStore. */
export const ACCESS_KEY_VOLUME_PREFIX = 'ack-secret-injector-ak-';
/** Where the token volume is mounted in the injector containers. */
export const TOKEN_DIR = `${INJECTOR_PATH_PREFIX}/tokens`;
/** File name of the token inside its volume. */
export const TOKEN_FILE = 'token';
/** Full path of the token file in the injector containers (InjectorConfig.tokenPath). */
export const TOKEN_PATH = `${TOKEN_DIR}/${TOKEN_FILE}`;
/** Where AccessKey Secret volumes are mounted: one folder per Secret. */
export const ACCESS_KEY_DIR = `${INJECTOR_PATH_PREFIX}/access-keys`;
/** The init → agent handoff (injector/handoff.ts): STS credentials and fetch times, injector containers only. */
export const HANDOFF_VOLUME = 'ack-secret-injector-handoff';
/** Where the handoff volume is mounted in the init container and the agent. */
export const HANDOFF_DIR = `${INJECTOR_PATH_PREFIX}/handoff`;
/** The handoff file (InjectorConfig.handoffPath). */
export const HANDOFF_PATH = `${HANDOFF_DIR}/handoff.json`;
/** Prefix of the ConfigMap/Secret volumes that carry templateFrom templates. */
export const TEMPLATE_VOLUME_PREFIX = 'ack-secret-injector-tpl-';
/** Where template volumes are mounted: `<dir>/<configMap|secret>/<name>/<key>` (InjectorConfig.templatesPath). */
export const TEMPLATES_DIR = `${INJECTOR_PATH_PREFIX}/templates`;

/**
 * A ConfigMap or Secret whose keys are templates (`templateFrom`). Mounted whole (no `items`)
 * and `optional`, into the injector containers only: the kubelet applies its own access rules,
 * an edit reaches the running agent at its next refresh, and a missing object or key fails that
 * ExternalSecret in the injector with a message naming it, instead of blocking the pod's start.
 */
export interface TemplateSourceMount {
  kind: 'configMap' | 'secret';
  name: string;
}

/** The volume of the n-th template source. */
export function buildTemplateVolume(index: number, m: TemplateSourceMount): V1Volume {
  const name = `${TEMPLATE_VOLUME_PREFIX}${index}`;
  return m.kind === 'configMap'
    ? { name, configMap: { name: m.name, optional: true, defaultMode: 0o444 } }
    : { name, secret: { secretName: m.name, optional: true, defaultMode: 0o444 } };
}

/**
 * A Kubernetes Secret the injector must read AccessKey material from, and which of its keys. The
 * Secret is always in the pod's namespace (isolation), mounted only into the injector containers.
 */
export interface AccessKeySecretMount {
  secretName: string;
  keys: string[];
}

/** The in-memory emptyDir that holds the files: secrets never touch the node's disk. */
export function buildFilesVolume(): V1Volume {
  return { name: FILES_VOLUME, emptyDir: { medium: 'Memory' } };
}

/**
 * A projected ServiceAccount token with the STS audience. The app containers do not mount it, so
 * only the injector can exchange it for the role's credentials. Mode 0444: the kubelet writes the
 * file as root and the injector runs as a non-root user (ACK's own RRSA injection uses 0644).
 */
export function buildTokenVolume(audience: string, expirationSeconds: number): V1Volume {
  return {
    name: TOKEN_VOLUME,
    projected: {
      defaultMode: 0o444,
      sources: [{ serviceAccountToken: { audience, expirationSeconds, path: TOKEN_FILE } }],
    },
  };
}

/**
 * The handoff volume: in memory (it holds STS credentials, which must not reach the node's disk),
 * 1 MiB at most (the file is about 1 KB per credential profile plus 100 bytes per ExternalSecret).
 * Mounted into the init container and the agent only, never into an app container: the same
 * audience as the token volume, whose token is exchangeable for the same credentials.
 */
export function buildHandoffVolume(): V1Volume {
  return { name: HANDOFF_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } };
}

/** Volume name of the n-th AccessKey Secret (a name from a counter: Secret names may exceed a volume name's 63 characters). */
export function accessKeyVolumeName(index: number): string {
  return `${ACCESS_KEY_VOLUME_PREFIX}${index}`;
}

/** Mount folder of the n-th AccessKey Secret inside the injector containers. */
export function accessKeyMountDir(index: number): string {
  return `${ACCESS_KEY_DIR}/${index}`;
}

/** The Secret volume for one AccessKey Secret, projecting only the keys the profiles need. */
export function buildAccessKeyVolume(index: number, mount: AccessKeySecretMount): V1Volume {
  return {
    name: accessKeyVolumeName(index),
    secret: {
      secretName: mount.secretName,
      defaultMode: 0o444,
      items: mount.keys.map((key) => ({ key, path: key })),
    },
  };
}

/**
 * Mounts of the injector containers: the tmpfs read-write, the token and AccessKey Secrets
 * read-only, and the handoff volume read-write when the pod has both an init container and an agent.
 */
export function buildInjectorMounts(mountPath: string, accessKeySecrets: readonly AccessKeySecretMount[], templateSources: readonly TemplateSourceMount[] = [], handoff = false): V1VolumeMount[] {
  return [
    { name: FILES_VOLUME, mountPath },
    { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
    ...(handoff ? [{ name: HANDOFF_VOLUME, mountPath: HANDOFF_DIR }] : []),
    ...accessKeySecrets.map((_, i) => ({ name: accessKeyVolumeName(i), mountPath: accessKeyMountDir(i), readOnly: true })),
    ...templateSources.map((m, i) => ({ name: `${TEMPLATE_VOLUME_PREFIX}${i}`, mountPath: `${TEMPLATES_DIR}/${m.kind}/${m.name}`, readOnly: true })),
  ];
}

/** The read-only mount of the files into an application container. */
export function buildAppMount(mountPath: string): V1VolumeMount {
  return { name: FILES_VOLUME, mountPath, readOnly: true };
}
