/**
 * Runs sdk-probe.ts in a child process with NODE_EXTRA_CA_CERTS pointing at the emulator's CA, so
 * the real SDKs verify the emulator's TLS certificate exactly as they would verify Alibaba Cloud's.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeResult, ProbeStep } from './sdk-probe.ts';

const PROBE = fileURLToPath(new URL('./sdk-probe.ts', import.meta.url));

/** Environment for the child: only what the SDKs need, and the default credential chain disabled (reference §3.3). */
function childEnv(caFile: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    NODE_EXTRA_CA_CERTS: caFile,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
  };
}

/** Runs `steps` against the emulator at `endpoint` and returns one result per step. */
export function runSdkProbe(emu: { endpoint: string; caFile: string }, steps: ProbeStep[]): Promise<ProbeResult[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, JSON.stringify({ endpoint: emu.endpoint, steps })], { env: childEnv(emu.caFile), timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
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
