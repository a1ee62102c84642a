/**
 * What a pod asks for through its annotations, every default resolved: the typed result of the
 * annotation table (table.ts), which the planner and the pod builders read.
 */
import type { ResourceSettings } from '../../settings.ts';

/** Default mount path (DESIGN.md §2). */
export const DEFAULT_MOUNT_PATH = '/var/run/secrets/alibabacloud';

/** Values of the mode annotation: a refreshing sidecar, or a one-time fetch (right for Jobs). */
export const MODES = ['sidecar', 'init-only'] as const;
/** One of MODES. */
export type Mode = (typeof MODES)[number];

/** Signals an app commonly reloads on; SIGKILL/SIGSTOP are excluded since they cannot mean "reload". */
export const NOTIFY_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGWINCH'] as const;

/** What the pod asked for, every default resolved. */
export interface PodOptions {
  externalSecrets: string[];
  mode: Mode;
  refreshIntervalSeconds: number;
  /** True when the refresh-interval annotation set it: it then overrides every ExternalSecret's rotationInterval. */
  refreshIntervalFromAnnotation: boolean;
  /** Refreshes with every source gone before an ExternalSecret's files are removed; 0 = never. */
  cleanupAfterFailures: number;
  mountPath: string;
  /** The app containers that get the mount, in pod order. */
  containers: string[];
  resources: ResourceSettings;
  fileMode: number;
  fileGid?: number;
  /** Undefined → follow the settings. */
  nativeSidecar?: boolean;
  skipInit: boolean;
  /** The init container's retry budget in seconds (init-timeout); undefined → the injector's default (600). */
  initBudgetSeconds?: number;
  notify?: { http?: { url: string }; signal?: { container: string; signal: string } };
}

/**
 * The options (a bad value replaced by its default, so later checks can still run and report
 * their own problems in the same denial) and every problem found; usable only when `problems` is
 * empty.
 */
export interface ParsedAnnotations {
  options: PodOptions;
  problems: string[];
}
