/**
 * Runs sdk-probe.ts in a child process with NODE_EXTRA_CA_CERTS pointing at the emulator's CA, so
 * the real SDKs verify the emulator's TLS certificate exactly as they would verify Alibaba Cloud's.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeResult, ProbeStep } from './sdk-probe.ts';

const PROBE = fileURLToPath(new URL('./sdk-probe.ts', import.meta.url));

/** Runs `steps` against the emulator and returns one result per step. */
export function runSdkProbe(emu: { endpoint: string; clientEnv(): Record<string, string> }, steps: ProbeStep[]): Promise<ProbeResult[]> {
  // Only what the SDKs need: no inherited ALIBABA_CLOUD_* variables can leak into the child.
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...emu.clientEnv() };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, JSON.stringify({ endpoint: emu.endpoint, steps })], { env, timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`sdk-probe failed: ${err.message}\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ProbeResult[]);
      } catch {
        reject(new Error(`sdk-probe printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}
