/**
 * The whole chain on a real node: the stack of stack.ts (kube-apiserver + etcd, the emulator, the
 * chart's webhook configuration, the webhook process) plus a kubelet + containerd node (node.ts)
 * that runs the injected pods from the image the project's Dockerfile builds.
 *
 * Pods reach the cloud the production way: the injector keeps its default endpoints
 * (`sts-vpc.<region>.aliyuncs.com`, `kms-vpc…`, `oos-vpc…`, port 443), pods map those names to
 * the bridge address with `hostAliases` (they have no DNS), the emulator listens there with a
 * certificate for those names, and the injector trusts the emulator's CA through the product
 * setting `extraCaPem`. No loopback redirect and no test-only webhook on this path.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { eventually, startStack, type Stack, type StackOptions } from '../stack.ts';
import { ensureTools } from '../tools.ts';
import { ensureImages } from './images.ts';
import { nodeSupport, prepareNode, startNode, type KubeNode } from './node.ts';

/** The emulator's region (its default) and the production host names the injector calls. */
export const REGION = 'cn-hangzhou';
export const CLOUD_HOSTS = ['sts', 'kms', 'oos'].map((s) => `${s}-vpc.${REGION}.aliyuncs.com`);

/** The stack and its node. */
export interface NodeStack {
  readonly stack: Stack;
  readonly node: KubeNode;
  /**
   * Stops the node (pods, kubelet, containerd, teardown), then the stack; returns what the node
   * left on the machine (empty when the machine is as before).
   */
  stop(): Promise<string[]>;
}

/** Starts everything; on failure stops what was started and rethrows. */
export async function startNodeStack(options: Pick<StackOptions, 'progress' | 'settings'> = {}): Promise<NodeStack> {
  const say = options.progress ?? (() => undefined);
  const missing = nodeSupport();
  if (missing.length > 0) throw new Error(`this machine cannot run the end-to-end node; missing: ${missing.join('; ')}`);
  const tools = await ensureTools(['kubelet', 'containerd']);
  say('building the images (cached by content hash; scripts/build-images.sh)');
  const images = await ensureImages(say);
  const prepared = await prepareNode(say);
  let stack: Stack | undefined;
  try {
    const { bridgeIp } = prepared.layout;
    stack = await startStack({
      ...options,
      controlPlane: { kubelets: true },
      emulator: { region: REGION, extraListener: { host: bridgeIp, port: 443, hostNames: CLOUD_HOSTS } },
      settings: {
        image: images.injector.ref,
        // Imported into the node's containerd; there is no registry to pull from.
        imagePullPolicy: 'Never',
        // The default command: the image's own node and bundle (stack.ts's default is a local CLI).
        injectorCommand: ['/nodejs/bin/node', '/app/dist/cli.mjs'],
        // Every pod has its own network namespace now: the default port is fine.
        healthPort: 9488,
        ...options.settings,
      },
      settingsFor: (emu) => ({ extraCaPem: emu.caPem }),
    });
    say(`the emulator also serves ${CLOUD_HOSTS.join(', ')} on ${bridgeIp}:443 for the pods`);
    const node = await startNode({ cp: stack.cp, prepared, images, binaries: { kubelet: tools.kubelet, containerd: tools.containerd }, say });
    const started = stack;
    return {
      stack: started,
      node,
      stop: async () => {
        const left = await node.stop();
        await started.stop();
        return left;
      },
    };
  } catch (err) {
    await stack?.stop().catch(() => undefined);
    const left = await prepared.finish();
    if (left.length > 0) say(`teardown left: ${left.join('; ')}`);
    throw err;
  }
}

/** Creates the `kube-root-ca.crt` ConfigMap the kubelet needs for the `kube-api-access-*` volume (kube-controller-manager makes it in a cluster). */
export async function prepareNamespace(ns: NodeStack, namespace: string): Promise<void> {
  await ns.stack.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': ns.stack.cp.caPem } } });
}

/**
 * Places an opted-in pod on the node: `nodeName` (there is no scheduler), the cloud host names
 * mapped to the bridge (`hostAliases`), and app containers from the app image running `script`
 * with `sh -c` (`scripts` by container name; the default keeps the container running).
 */
export function onNode(ns: NodeStack, pod: V1Pod, scripts: Record<string, string> = {}): V1Pod {
  const containers: V1Container[] = (pod.spec?.containers ?? []).map((c) => ({
    ...c,
    image: ns.node.images.app.ref,
    imagePullPolicy: 'Never',
    command: ['sh', '-c', scripts[c.name] ?? 'trap "exit 0" TERM; while true; do sleep 1; done'],
  }));
  return {
    ...pod,
    spec: {
      ...pod.spec,
      containers,
      nodeName: ns.node.name,
      hostAliases: [{ ip: ns.node.layout.bridgeIp, hostnames: CLOUD_HOSTS }],
      terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 5,
    },
  };
}

/** Waits until `check(pod)` is true for the stored pod; the error shows its status. */
export async function waitForPod(ns: NodeStack, namespace: string, name: string, what: string, check: (pod: V1Pod) => boolean, limitMs = 120_000): Promise<V1Pod> {
  let last: V1Pod | undefined;
  try {
    return await eventually(`pod ${namespace}/${name}: ${what}`, async () => {
      last = await ns.stack.core.readNamespacedPod({ namespace, name });
      return check(last) ? last : undefined;
    }, limitMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nstatus: ${JSON.stringify(last?.status ?? {}, null, 1).slice(0, 4000)}`);
  }
}

/** A container's log, read through the API server → kubelet path (`kubectl logs`). */
export async function podLog(ns: NodeStack, namespace: string, name: string, container: string, previous = false): Promise<string> {
  return ns.stack.core.readNamespacedPodLog({ namespace, name, container, previous });
}

/** The status of one container (init or app) of a pod. */
export function containerStatus(pod: V1Pod, container: string) {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === container);
}
