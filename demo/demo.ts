/**
 * `npm run demo`: the whole product on this machine with no cloud account. A real kube-apiserver
 * calls the real webhook; the injected pods run on a real node (kubelet + containerd + runc) from
 * the image the project's Dockerfile builds, against the local Alibaba Cloud emulator
 * (demo/node-demo.ts, test/e2e/node/). Two tenants, each with its own RAM role; a rotation shows
 * up in the running app; one tenant cannot read the other's secrets, neither at admission nor in
 * the cloud. A node needs Linux and root; without them the demo says exactly what is missing.
 */
import { nodeSupport } from '../test/e2e/node/node.ts';
import { runNodeDemo } from './node-demo.ts';

const started = Date.now();
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
function step(title: string): void {
  process.stdout.write(`\n${bold(`== ${title}`)}  (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
}
function say(line: string): void {
  process.stdout.write(`   ${line}\n`);
}

const missing = nodeSupport();
if (missing.length > 0) {
  process.stdout.write(`The demo runs the injected pods on a real node (kubelet + containerd + runc), which this machine cannot run. Missing:\n${missing.map((m) => `  - ${m}`).join('\n')}\n` +
    'On Debian as root, `CI=true bash .ci/run` installs the packages; kubelet, containerd and the images are built on first use.\n');
  process.exitCode = 1;
} else {
  if (!(await runNodeDemo(step, say))) process.exitCode = 1;
  process.stdout.write(`\n${bold(`demo ${process.exitCode === 1 ? 'FAILED' : 'finished'} in ${((Date.now() - started) / 1000).toFixed(1)}s`)}\n`);
}
