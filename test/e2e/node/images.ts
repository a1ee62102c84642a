/**
 * The node's images: built (or found in the cache) by scripts/build-images.sh, as docker-archive
 * tars the node imports into its own containerd. See that script for what each image is.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../stack.ts';
import { TOOL_VERSIONS } from '../tools.ts';

export const BUILD_IMAGES_SCRIPT = join(ROOT, 'scripts', 'build-images.sh');

/** One image: its reference (tag carries the content hash) and its archive. */
export interface BuiltImage {
  readonly ref: string;
  readonly tar: string;
}

export interface NodeImages {
  readonly pause: BuiltImage;
  readonly app: BuiltImage;
  readonly injector: BuiltImage;
}

/** Parses the script's `<name>\t<ref>\t<tar>` lines. */
export function parseImageLines(stdout: string): NodeImages {
  const found = new Map<string, BuiltImage>();
  for (const line of stdout.split('\n')) {
    const [name, ref, tar] = line.split('\t');
    if (name !== undefined && ref !== undefined && tar !== undefined) found.set(name, { ref, tar });
  }
  const get = (name: string): BuiltImage => {
    const image = found.get(name);
    if (image === undefined) throw new Error(`scripts/build-images.sh printed no line for the ${name} image:\n${stdout}`);
    return image;
  };
  return { pause: get('pause'), app: get('app'), injector: get('injector') };
}

/**
 * Runs scripts/build-images.sh (cached by content hash: seconds when nothing changed; a cold
 * build of the stand-in bases and the project image takes a few minutes) and returns the images.
 * Its progress goes to `progress` line by line.
 */
export function ensureImages(progress: (line: string) => void): Promise<NodeImages> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_IMAGES_SCRIPT, 'all'], {
      env: { ...process.env, ACK_SI_KUBE_VERSION: TOOL_VERSIONS.kubelet },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      for (const line of b.toString().split('\n')) if (line.startsWith('build-images:')) progress(line);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`scripts/build-images.sh failed (exit ${code}):\n${stderr.split('\n').slice(-40).join('\n')}`));
        return;
      }
      try {
        resolve(parseImageLines(stdout));
      } catch (err) {
        reject(err);
      }
    });
  });
}
