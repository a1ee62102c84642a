/**
 * The node's network: one Linux bridge per run with a /24 of its own, no default route and no IP
 * forwarding (../shared/reference/real-node.md §5). Pods get addresses on it from the CNI bridge
 * plugin (configs.ts `cniConflist`); the bridge's own `.1` address is where the kubelet API and
 * the cloud emulator listen, and it is the only host address pods can reach.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/** A bridge name (at most 15 characters, IFNAMSIZ) unique to this run. */
export function bridgeName(): string {
  return `acksi${randomBytes(4).toString('hex')}`;
}

/** The third octets of the 10.244.X.0/24 networks already on this machine's interfaces. */
export function usedSubnets(ipAddrOutput: string): Set<number> {
  const used = new Set<number>();
  for (const m of ipAddrOutput.matchAll(/inet 10\.244\.(\d+)\.\d+\//g)) used.add(Number(m[1]));
  return used;
}

/** Picks a free 10.244.X.0/24 (X random in 1–254, not on any interface here). */
export function pickSubnet(): { subnet: string; bridgeIp: string } {
  const used = usedSubnets(execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }));
  for (let i = 0; i < 100; i++) {
    const x = randomInt(1, 255);
    if (!used.has(x)) return { subnet: `10.244.${x}.0/24`, bridgeIp: `10.244.${x}.1` };
  }
  throw new Error('no free 10.244.X.0/24 network found for the node bridge');
}

/** Creates the bridge with `ip/24` and brings it up. No route beyond its own subnet is added. */
export function createBridge(name: string, ip: string): void {
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${ip}/24`, 'dev', name]);
  execFileSync('ip', ['link', 'set', name, 'up']);
}
