/**
 * The machine a benchmark run measured: CPU model, cores, memory, Node version, load average and
 * date, recorded next to the figures because they mean little without them (the machine is shared,
 * so the load average at start and end says how noisy the run was).
 */
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';

/** What `bench/results.json` records about the machine. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  date: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverageAtStart: number[];
}

/** Reads the machine's description now. */
export function describeMachine(now: Date = new Date()): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    date: now.toISOString(),
    loadAverageAtStart: currentLoadAverage(),
  };
}

/** The 1, 5 and 15 minute load averages, two decimals. */
export function currentLoadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}
