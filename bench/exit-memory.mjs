// BENCHMARK ONLY: preloaded with `node --import` into one extra `init` run (bench/injector-init.ts)
// to read the process's own memory as it exits, which no outside sampler can time. Plain
// JavaScript on purpose: a .ts preload would load Node's type stripper into the measured process.
// Writes one line to stderr: `BENCH-EXIT-MEMORY {"rssMb":…,"rssAnonMb":…,"rssFileMb":…,"hwmMb":…}`.
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  const figures = { rssMb: kb('VmRSS'), rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile'), hwmMb: kb('VmHWM') };
  process.stderr.write(`BENCH-EXIT-MEMORY ${JSON.stringify(figures)}\n`);
});
