/**
 * The configuration files of the end-to-end node, as pure functions of the run's folders and
 * addresses: containerd's config (v3), the CNI network list, the kubelet's KubeletConfiguration and
 * its kubeconfig. Every setting that is not a default is here for a reason named beside it; the
 * non-obvious ones come from ../shared/reference/real-node.md (§2, §3, §5), proven on this machine
 * kind (cgroup v1 hybrid, no CAP_SYS_RESOURCE, no route out).
 */
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The folders and addresses of one node run. */
export interface NodeLayout {
  /** Everything of the run lives below this folder (removed at teardown). */
  readonly runDir: string;
  readonly nodeName: string;
  readonly bridge: string;
  /** `10.244.X.1`: the bridge's address, the kubelet's address and the emulator's. */
  readonly bridgeIp: string;
  /** `10.244.X.0/24`. */
  readonly subnet: string;
  readonly healthzPort: number;
}

/** Paths derived from the run folder. */
export const paths = (l: Pick<NodeLayout, 'runDir'>) => ({
  containerdRoot: join(l.runDir, 'containerd', 'root'),
  containerdState: join(l.runDir, 'containerd', 'state'),
  containerdSocket: join(l.runDir, 'containerd', 'containerd.sock'),
  containerdConfig: join(l.runDir, 'containerd', 'config.toml'),
  runcRoot: join(l.runDir, 'runc'),
  cniConfDir: join(l.runDir, 'cni', 'net.d'),
  cniIpamDir: join(l.runDir, 'cni', 'ipam'),
  kubeletRoot: join(l.runDir, 'kubelet'),
  kubeletCertDir: join(l.runDir, 'kubelet-pki'),
  kubeletConfig: join(l.runDir, 'kubelet-config.yaml'),
  kubeletKubeconfig: join(l.runDir, 'kubelet.kubeconfig'),
  podLogsDir: join(l.runDir, 'pod-logs'),
  volumePluginDir: join(l.runDir, 'volume-plugins'),
  caFile: join(l.runDir, 'kubelet-pki', 'ca.crt'),
  servingCert: join(l.runDir, 'kubelet-pki', 'kubelet.crt'),
  servingKey: join(l.runDir, 'kubelet-pki', 'kubelet.key'),
});

const q = (s: string): string => JSON.stringify(s);

/**
 * containerd 2.x config (version 3). Everything it writes goes below the run folder, including
 * the paths whose defaults are fixed (`/run/containerd/runc`, `/var/run/netns`, `/opt/containerd`,
 * the NRI socket), so a run touches no shared path and two runs could never mix.
 */
export function containerdConfig(l: NodeLayout, pauseImage: string): string {
  const p = paths(l);
  return `version = 3
root = ${q(p.containerdRoot)}
state = ${q(p.containerdState)}
temp = ${q(join(l.runDir, 'containerd', 'tmp'))}

[grpc]
  address = ${q(p.containerdSocket)}
[ttrpc]
  address = ${q(`${p.containerdSocket}.ttrpc`)}

[plugins.'io.containerd.internal.v1.opt']
  path = ${q(join(l.runDir, 'containerd', 'opt'))}
# NRI would create /var/run/nri/nri.sock; nothing here uses it.
[plugins.'io.containerd.nri.v1.nri']
  disable = true

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  # Our locally compiled pause image; never pulled (the machine reaches no container registry).
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${q(pauseImage)}

[plugins.'io.containerd.cri.v1.runtime']
  # No CAP_SYS_RESOURCE here: runc cannot lower oom_score_adj below containerd's own (0), so a
  # pod sandbox at -998 would fail; this clamps it instead (real-node.md §1).
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  cdi_spec_dirs = []
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = ${q(p.cniConfDir)}
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "/usr/bin/runc"
        Root = ${q(p.runcRoot)}
        # cgroup v1 with cgroupfs: this machine has no systemd (real-node.md §1).
        SystemdCgroup = false

# exec/logs streaming on loopback, on a port the kernel picks (the default 10010 would collide).
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

/**
 * The CNI network: a bridge WITHOUT a gateway, masquerading or routes (`isGateway: true` would
 * silently switch on net.ipv4.ip_forward and give pods a default route out of the machine,
 * real-node.md §5), so pods reach only the bridge's own subnet: each other and the bridge address.
 */
export function cniConflist(l: NodeLayout): string {
  const base = l.subnet.replace(/\.0\/24$/, '');
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'ack-si-e2e',
    plugins: [
      {
        type: 'bridge', bridge: l.bridge, isGateway: false, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: l.subnet, rangeStart: `${base}.10` }]], routes: [], dataDir: paths(l).cniIpamDir },
      },
      { type: 'loopback' },
    ],
  }, null, 2);
}

/**
 * The KubeletConfiguration. The kubelet API listens on the bridge address only, verifies clients
 * against the control plane's CA and asks the API server (SubjectAccessReview) what they may do.
 */
export function kubeletConfig(l: NodeLayout): string {
  const p = paths(l);
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This machine kind is cgroup v1 (hybrid) and cannot switch; 1.35+ refuses v1 by default and
    // 1.36 only warns with this (real-node.md §1, "Risks": pin Kubernetes 1.36.x).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    failSwapOn: false,
    // Lowering it needs CAP_SYS_RESOURCE, which this machine does not grant.
    oomScoreAdj: 0,
    address: l.bridgeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: l.healthzPort,
    tlsCertFile: p.servingCert,
    tlsPrivateKeyFile: p.servingKey,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: p.caFile } },
    authorization: { mode: 'Webhook' },
    podLogsDir: p.podLogsDir,
    volumePluginDir: p.volumePluginDir,
    // No upstream resolver in pods: nothing they do can leave the machine by name.
    resolvConf: '',
    clusterDomain: 'cluster.local',
    // No KUBE-FIREWALL / canary chains in the host's iptables.
    makeIPTablesUtilChains: false,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    // The imported images can never be pulled again: never garbage-collect them.
    imageGCHighThresholdPercent: 100,
    imageMinimumGCAge: '876000h',
    // Faster status updates make the suite's waits shorter.
    nodeStatusUpdateFrequency: '2s',
    syncFrequency: '5s',
    fileCheckFrequency: '5s',
  });
}

/** A kubeconfig with embedded CA and client certificate (the kubelet's `system:node:<name>`). */
export function kubeconfig(server: string, caPem: string, certPem: string, keyPem: string, user: string): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(certPem), 'client-key-data': b64(keyPem) } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user } }],
    'current-context': 'e2e',
  });
}
