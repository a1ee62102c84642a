/**
 * `ack-secret-injector <command>`: one binary (and one image) for every role. Each command lives
 * in the part it belongs to and is loaded lazily, so `init` does not pay for fastify or the
 * Kubernetes client at start-up (see bench: injector.initMs). Only this file maps error codes to
 * exit statuses.
 */
import { ErrorCode, InjectorError } from '../common/errors.ts';
import pkg from '../package.json' with { type: 'json' };

/** A subcommand: parses its own flags, returns the exit status. */
export type Command = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

/** The command table. The admission server, the offline tools and the injector roles. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  webhook: { summary: 'run the mutating admission webhook server (HTTPS)', load: async () => (await import('../webhook/server/server-command.ts')).run },
  mutate: { summary: 'apply the webhook to Pod manifests offline and print the result', load: async () => (await import('../webhook/mutate-command.ts')).run },
  init: { summary: 'fetch every secret once, write the files, exit (init container)', load: async () => (await import('../injector/init-command.ts')).run },
  agent: { summary: 'keep the files fresh at the refresh interval (sidecar)', load: async () => (await import('../injector/agent-command.ts')).run },
  render: { summary: 'apply ExternalSecret rules to values from a file and write the files offline', load: async () => (await import('../injector/render-command.ts')).run },
};

/** Exit statuses by error code: 2 for bad input/config, 3 for a denial, 1 for everything else. */
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.CONFIG]: 2,
  [ErrorCode.INPUT]: 2,
  [ErrorCode.DENIED]: 3,
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `ack-secret-injector ${pkg.version}: Alibaba Cloud KMS secrets and OOS parameters as files in pods`,
    '',
    'Usage: ack-secret-injector <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `ack-secret-injector <command> --help` for the flags of a command.',
    '',
  ].join('\n');
}

/** Runs the CLI; returns the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}; expected one of: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command(rest);
  } catch (err) {
    if (err instanceof InjectorError) {
      process.stderr.write(`${name}: ${err.code}: ${err.message}\n`);
      return EXIT_BY_CODE[err.code] ?? 1;
    }
    process.stderr.write(`${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
