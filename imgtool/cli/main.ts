/**
 * tsimg's entry point: yargs with the command list from commands.ts. A user-facing failure prints one
 * line, "tsimg: <what went wrong, where>", and exits 1; TSIMG_DEBUG=1 adds the stack for bug reports.
 *
 * Start-up is most of a quick command's time (a second overlay bundle is ~20 ms of work), so when
 * the words name a command, only that command's module is loaded (commands.ts) and yargs gets it as
 * its default command (`$0 <image> ...`, called as "tsimg unpack"), with the word taken out. yargs
 * parses and validates it the same way, but skips what it does for a named command after starting
 * its handler: rendering the whole help text, to have it at hand should the handler fail later
 * (~20 ms per run, measured with --cpu-prof). Otherwise (no command, --help, a typo) every command
 * is loaded and yargs lists them, suggests, or refuses.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { allCommands, commandNamedBy, type TsimgCommand } from './commands.ts';
import { withGlobalOptions } from './global-flags.ts';

export async function main(argv: string[]): Promise<void> {
  try {
    const named = commandNamedBy(argv);
    const parser = named
      ? withGlobalOptions(yargs(argv.filter((_, i) => i !== named.index)))
        .scriptName(`tsimg ${argv[named.index]}`)
        .command(asDefaultCommand(await named.entry.load(), argv[named.index]!))
      : withGlobalOptions(yargs(argv))
        .scriptName('tsimg')
        .command(await allCommands())
        .demandCommand(1, 'tsimg needs a command; see tsimg --help')
        .recommendCommands();
    await parser
      .strict()
      .help()
      .version(process.env.TSIMG_VERSION ?? '0.1.0')
      .fail((message, error) => {
        throw error ?? new UsageError(message);
      })
      .parseAsync();
  } catch (error) {
    const e = error as Error;
    if (process.env.TSIMG_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.stderr.write(`tsimg: ${e.message}\n`);
    if (e instanceof UsageError) process.stderr.write('(tsimg --help lists the commands and options)\n');
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}

class UsageError extends Error {}

/**
 * `unpack <image> <bundle> [args..]` -> `$0 <image> <bundle> [args..]`, its aliases dropped (the
 * word matched). The handler still finds the word first in argv._, as under a named command.
 */
function asDefaultCommand(command: TsimgCommand, word: string): TsimgCommand {
  const spec = String(Array.isArray(command.command) ? command.command[0] : command.command);
  const { aliases: _aliases, handler, ...rest } = command;
  return { ...rest, command: spec.replace(/^\S+/, '$0'), handler: (argv) => handler({ ...argv, _: [word, ...argv._] }) };
}

// Run when executed directly (tsx imgtool/cli/main.ts, or the bundle), not when imported by a test.
// Not awaited: the bundle is CommonJS, which has no top-level await; main catches its own errors.
if (import.meta.url === `file://${process.argv[1]}` || process.env.TSIMG_BUNDLE === '1') void main(hideBin(process.argv));
