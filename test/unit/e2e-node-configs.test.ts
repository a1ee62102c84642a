// The end-to-end node's configuration files (test/e2e/node/configs.ts) and small parsers: the
// settings that keep a run on this machine and inside its own folder are checked here, since a
// wrong one would only show as a changed machine (ip_forward, a default route, /run/containerd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { cniConflist, containerdConfig, kubeletConfig, paths, type NodeLayout } from '../e2e/node/configs.ts';
import { parseImageLines } from '../e2e/node/images.ts';
import { usedSubnets } from '../e2e/node/network.ts';

const layout: NodeLayout = { runDir: '/tmp/ack-si-node-x', nodeName: 'ack-si-abc', bridge: 'acksi0011', bridgeIp: '10.244.7.1', subnet: '10.244.7.0/24', healthzPort: 40001 };

test('the CNI network has no gateway, no masquerading and no routes, and keeps its IPAM state in the run folder', () => {
  const conf = JSON.parse(cniConflist(layout)) as { plugins: Array<Record<string, unknown> & { ipam?: Record<string, unknown> }> };
  const bridge = conf.plugins[0];
  assert.deepEqual([bridge?.type, bridge?.bridge, bridge?.isGateway, bridge?.ipMasq], ['bridge', 'acksi0011', false, false]);
  assert.deepEqual(bridge?.ipam?.routes, []);
  assert.deepEqual(bridge?.ipam?.ranges, [[{ subnet: '10.244.7.0/24', rangeStart: '10.244.7.10' }]]);
  assert.equal(bridge?.ipam?.dataDir, '/tmp/ack-si-node-x/cni/ipam');
});

test('containerd writes only below the run folder and clamps oom_score_adj', () => {
  const toml = containerdConfig(layout, 'localhost/ack-si-e2e/pause:3.10.2-x');
  const cases: Array<[string, RegExp]> = [
    ['root', /^root = "\/tmp\/ack-si-node-x\/containerd\/root"$/m],
    ['state', /^state = "\/tmp\/ack-si-node-x\/containerd\/state"$/m],
    ['socket', /address = "\/tmp\/ack-si-node-x\/containerd\/containerd.sock"/],
    ['runc root (default /run/containerd/runc)', /Root = "\/tmp\/ack-si-node-x\/runc"/],
    ['opt path (default /opt/containerd)', /path = "\/tmp\/ack-si-node-x\/containerd\/opt"/],
    ['netns under state (default /var/run/netns)', /netns_mounts_under_state_dir = true/],
    ['NRI off (default socket /var/run/nri)', /\[plugins.'io.containerd.nri.v1.nri'\]\n\s+disable = true/],
    ['no CAP_SYS_RESOURCE', /restrict_oom_score_adj = true/],
    ['cgroupfs', /SystemdCgroup = false/],
    ['pause image', /sandbox = "localhost\/ack-si-e2e\/pause:3.10.2-x"/],
    ['CNI conf dir', /conf_dir = "\/tmp\/ack-si-node-x\/cni\/net.d"/],
    ['streaming on a kernel-picked loopback port', /stream_server_address = "127.0.0.1"\n\s+stream_server_port = "0"/],
  ];
  for (const [name, re] of cases) assert.match(toml, re, name);
  assert.doesNotMatch(toml, /"\/(run|var|opt|etc)\//, 'no fixed machine path');
});

test('the kubelet runs on cgroup v1, listens on the bridge only, authenticates clients and keeps its files in the run folder', () => {
  const c = parse(kubeletConfig(layout)) as Record<string, unknown>;
  const p = paths(layout);
  assert.equal(c.failCgroupV1, false);
  assert.equal(c.address, '10.244.7.1');
  assert.equal(c.readOnlyPort, 0);
  assert.equal(c.healthzBindAddress, '127.0.0.1');
  assert.equal(c.resolvConf, '');
  assert.equal(c.makeIPTablesUtilChains, false);
  assert.deepEqual(c.authentication, { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: p.caFile } });
  assert.deepEqual(c.authorization, { mode: 'Webhook' });
  assert.equal(c.containerRuntimeEndpoint, `unix://${p.containerdSocket}`);
  for (const k of ['podLogsDir', 'volumePluginDir', 'tlsCertFile']) assert.ok(String(c[k]).startsWith('/tmp/ack-si-node-x/'), k);
});

test('usedSubnets finds the 10.244.X networks already on interfaces', () => {
  const out = '1: lo    inet 127.0.0.1/8 scope host lo\n5: acksi1    inet 10.244.7.1/24 scope global acksi1\n6: x    inet 10.2.44.1/24\n7: y    inet 10.244.200.1/24';
  assert.deepEqual([...usedSubnets(out)].sort((a, b) => a - b), [7, 200]);
});

test('parseImageLines reads build-images.sh output and names a missing image', () => {
  const ok = parseImageLines('pause\tlocalhost/p:1\t/c/p.tar\napp\tlocalhost/a:2\t/c/a.tar\ninjector\tlocalhost/i:3\t/c/i.tar\n');
  assert.deepEqual(ok.injector, { ref: 'localhost/i:3', tar: '/c/i.tar' });
  assert.throws(() => parseImageLines('pause\tp\tt\n'), /no line for the app image/);
});
