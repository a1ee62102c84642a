/**
 * `npm run emulator [-- --port N] [--seed demo] [--ca-file PATH] [--account ID] [--region R]`:
 * runs the emulator standalone for people and the demo. Prints exactly one JSON line on stdout —
 * `{"url","endpoint","caFile","issuer"}` (plus `seed` with `--seed demo`) — then serves until
 * SIGINT/SIGTERM. Request summaries (never secrets) go to stderr so stdout stays machine-readable.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../../common/log.ts';
import { seedDemo } from './demo-seed.ts';
import { startEmulator } from './index.ts';

const USAGE = 'usage: node test/emulator/main.ts [--port N] [--seed demo] [--ca-file PATH] [--account ID] [--region R] [--log-level info|debug|silent]';

/** Parses flags, starts the emulator, prints the address line, waits for a signal. Returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        seed: { type: 'string' },
        'ca-file': { type: 'string' },
        account: { type: 'string' },
        region: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port: "${values.port}" is invalid (accepted: an integer from 0 to 65535; 0 picks a free port)`);
  if (values.seed !== undefined && values.seed !== 'demo') problems.push(`--seed: "${values.seed}" is invalid (accepted: demo)`);
  if (values.account !== undefined && !/^\d{1,20}$/.test(values.account)) problems.push(`--account: "${values.account}" is invalid (accepted: a numeric account id)`);
  if (!['info', 'debug', 'silent', 'warn', 'error'].includes(values['log-level'])) problems.push(`--log-level: "${values['log-level']}" is invalid (accepted: debug, info, warn, error, silent)`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n${USAGE}\n`);
    return 2;
  }
  // pino destination 2 = stderr.
  const { pino } = await import('pino');
  const logger = createLogger({ name: 'emulator', level: values['log-level'] }, pino.destination(2));
  let emu;
  try {
    emu = await startEmulator({
      port,
      logger,
      ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] }),
      ...(values.account === undefined ? {} : { accountId: values.account }),
      ...(values.region === undefined ? {} : { region: values.region }),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`emulator: cannot start on 127.0.0.1:${port}${values['ca-file'] === undefined ? '' : ` with --ca-file ${values['ca-file']}`}: ${e.code ?? ''} ${e.message}\n`);
    return 1;
  }
  const seed = values.seed === 'demo' ? await seedDemo(emu, { accountId: emu.accountId, region: emu.region, issuer: emu.issuer }) : undefined;
  process.stdout.write(`${JSON.stringify({ url: emu.url, endpoint: emu.endpoint, caFile: emu.caFile, issuer: emu.issuer, ...(seed === undefined ? {} : { seed }) })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emu.close();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
