/**
 * Where the end-to-end tools (helm, etcd, kube-apiserver, kubelet, containerd) live, and how to get them built.
 *
 * The binaries are built from the Go module proxy by `scripts/build-tools.sh` into a versioned cache
 * folder `<tools dir>/<name>-<version>/<name>`; this module computes the same paths and passes its
 * versions to the script (ACK_SI_*_VERSION) so both always agree. See docs/e2e.md.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The tool versions the e2e suite is pinned to. kube-apiserver v1.36 is the lowest-risk pick for a
 * Go 1.26 toolchain (its go.mod already targets Go 1.26); etcd 3.6.x is what Kubernetes 1.34–1.36
 * ship with; helm v3.19.x is the line the chart is tested with.
 */
export const TOOL_VERSIONS = {
  helm: 'v3.19.5',
  etcd: 'v3.6.16',
  'kube-apiserver': 'v1.36.3',
  // The node (test/e2e/node/): kubelet from the same Kubernetes release as the API server; 1.36 is
  // also the last line known to run on cgroup v1 (failCgroupV1: false), which this machine kind has.
  kubelet: 'v1.36.3',
  // containerd 2.x implements the CRI RuntimeConfig the 1.36 kubelet reads the cgroup driver from.
  containerd: 'v2.4.2',
} as const;

/** Name of a tool that `scripts/build-tools.sh` can build. */
export type ToolName = keyof typeof TOOL_VERSIONS;

/** Absolute path of the build script (repository-relative, independent of the working directory). */
export const BUILD_TOOLS_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/build-tools.sh');

/**
 * The cache folder for built tools: `$ACK_SI_TOOLS_DIR`, else `~/.cache/ack-secret-injector/tools`.
 * Kept outside the repository so it survives `git clean` and is shared by every checkout.
 */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['ACK_SI_TOOLS_DIR'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'ack-secret-injector', 'tools');
}

/** Path of one tool's binary: `<toolsDir>/<name>-<version>/<name>` (same logic as build-tools.sh). */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsDir(env), `${name}-${TOOL_VERSIONS[name]}`, name);
}

/** The environment that makes build-tools.sh use exactly this module's versions and folder. */
export function buildToolsEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    ACK_SI_TOOLS_DIR: toolsDir(env),
    ACK_SI_HELM_VERSION: TOOL_VERSIONS.helm,
    ACK_SI_ETCD_VERSION: TOOL_VERSIONS.etcd,
    ACK_SI_KUBE_VERSION: TOOL_VERSIONS['kube-apiserver'],
    ACK_SI_CONTAINERD_VERSION: TOOL_VERSIONS.containerd,
  };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runBuildScript(name: ToolName, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // stdout carries only the binary path; the script's progress and Go errors go to our stderr.
    const child = spawn('bash', [BUILD_TOOLS_SCRIPT, name], { env: buildToolsEnv(env), stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`scripts/build-tools.sh ${name} failed (exit ${code ?? signal}); the Go error is printed above`));
    });
  });
}

/**
 * Make sure each named tool is built, running `scripts/build-tools.sh` for the missing ones, and
 * return their paths. Cached binaries cost one `access()` each; a cold build takes minutes
 * (kube-apiserver 10–25 min on 2 cores), so the caller is told before it starts.
 */
export async function ensureTools(
  names: readonly ToolName[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<ToolName, string>> {
  const paths = {} as Record<ToolName, string>;
  for (const name of names) {
    const path = toolPath(name, env);
    if (!(await isExecutable(path))) {
      process.stderr.write(
        `e2e tools: ${name} ${TOOL_VERSIONS[name]} is not built yet (${path}); running scripts/build-tools.sh ${name} — ` +
          `a cold build takes minutes (kube-apiserver 10–25 min on 2 cores), later runs reuse the cache\n`,
      );
      await runBuildScript(name, env);
      if (!(await isExecutable(path))) {
        throw new Error(`scripts/build-tools.sh ${name} succeeded but ${path} is still missing or not executable`);
      }
    }
    paths[name] = path;
  }
  return paths;
}
