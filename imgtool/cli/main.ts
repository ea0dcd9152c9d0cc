/**
 * tsimg's entry point: yargs with the command list from commands.ts. A user-facing failure prints one
 * line, "tsimg: <what went wrong, where>", and exits 1; TSIMG_DEBUG=1 adds the stack for bug reports.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.ts';
import { withGlobalOptions } from './global-options.ts';

export async function main(argv: string[]): Promise<void> {
  const parser = withGlobalOptions(yargs(argv))
    .scriptName('tsimg')
    .command(commands)
    .demandCommand(1, 'tsimg needs a command; see tsimg --help')
    .strict()
    .recommendCommands()
    .help()
    .version(process.env.TSIMG_VERSION ?? '0.1.0')
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    const e = error as Error;
    if (process.env.TSIMG_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.stderr.write(`tsimg: ${e.message}\n`);
    if (e instanceof UsageError) process.stderr.write('(tsimg --help lists the commands and options)\n');
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}

class UsageError extends Error {}

// Run when executed directly (tsx imgtool/cli/main.ts, or the bundle), not when imported by a test.
if (import.meta.url === `file://${process.argv[1]}` || process.env.TSIMG_BUNDLE === '1') await main(hideBin(process.argv));
