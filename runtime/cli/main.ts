import { writeStdout } from './stdout.ts';
import { parseArgs } from 'node:util';
import { RUNTIME_SPEC_VERSION } from '../../spec/version.ts';
import type { CommandContext, GlobalOptions } from './command-context.ts';
import { COMMANDS, NOT_YET, type CommandSpec } from './command-table.ts';
import { TsrunError } from './errors.ts';
import { createLogger, printError, type Logger } from './logger.ts';

declare const __TSRUN_VERSION__: string | undefined;
declare const __TSRUN_COMMIT__: string | undefined;
const VERSION = typeof __TSRUN_VERSION__ === 'string' ? __TSRUN_VERSION__ : '0.0.0-dev';
const COMMIT = typeof __TSRUN_COMMIT__ === 'string' ? __TSRUN_COMMIT__ : 'unknown';

const GLOBAL_VALUE_FLAGS = new Set(['root', 'log', 'log-format', 'criu', 'rootless']);
const GLOBAL_BOOL_FLAGS = new Set(['debug', 'systemd-cgroup', 'help', 'version']);

function usage(): string {
  const cmds = Object.entries(COMMANDS).map(([name, c]) => `   ${name.padEnd(10)} ${c.summary}`).join('\n');
  return `tsrun: an OCI runtime with runc's command line

usage: tsrun [global options] command [command options] [arguments...]

commands:
${cmds}

global options:
   --root DIR            state directory (default: /run/tsrun)
   --log FILE            write log records to FILE (default: stderr)
   --log-format FORMAT   text or json (default: text)
   --debug               log debug records
   --systemd-cgroup      use systemd cgroups (not available: tsrun drives cgroupfs)
   --rootless true|false|auto
   --version, -v         print the version
`;
}

/** Go-style flags: '-bundle x' and '--bundle=x' and '--force=true' all mean what runc means. */
function normaliseFlag(arg: string, longNames: Set<string>): string | null {
  if (/^-[a-z][a-z-]+(=.*)?$/.test(arg) && longNames.has(arg.slice(1).split('=')[0]!)) arg = `-${arg}`;
  const m = /^--([a-z-]+)=(true|false)$/.exec(arg);
  if (m && longNames.has(m[1]!)) return m[2] === 'true' ? `--${m[1]}` : null;
  return arg;
}

function parseGlobal(argv: string[]): { global: GlobalOptions & { help: boolean; version: boolean }; rest: string[] } {
  const g = { root: '/run/tsrun', logFormat: 'text' as 'text' | 'json', debug: false, systemdCgroup: false, rootless: 'auto', help: false, version: false, log: undefined as string | undefined };
  let i = 0;
  for (; i < argv.length; i++) {
    let arg = argv[i]!;
    if (!arg.startsWith('-')) break;
    if (arg === '-v') arg = '--version';
    if (arg === '-h') arg = '--help';
    arg = arg.replace(/^-([a-z])/, '--$1');
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (GLOBAL_VALUE_FLAGS.has(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new TsrunError(`flag needs an argument: --${name}`);
      }
      if (name === 'root') g.root = value;
      else if (name === 'log') g.log = value;
      else if (name === 'rootless') g.rootless = value;
      else if (name === 'log-format') {
        if (value !== 'text' && value !== 'json') throw new TsrunError(`--log-format: ${JSON.stringify(value)} is neither text nor json`);
        g.logFormat = value;
      }
    } else if (GLOBAL_BOOL_FLAGS.has(name)) {
      const on = value === undefined || value === 'true';
      if (name === 'debug') g.debug = on;
      else if (name === 'systemd-cgroup') g.systemdCgroup = on;
      else if (name === 'help') g.help = on;
      else if (name === 'version') g.version = on;
    } else {
      throw new TsrunError(`flag provided but not defined: ${argv[i]}`);
    }
  }
  return { global: g, rest: argv.slice(i) };
}

/** Puts `--` after the first positional, as Go's flag package stops there (exec ID sh -c ...). */
function endOptionsAtFirstPositional(args: string[], options: CommandSpec['options']): string[] {
  const takesValue = (flag: string) => {
    const name = flag.replace(/^--?/, '');
    const opt = options[name] ?? Object.values(options).find((o) => o.short === name);
    return opt?.type === 'string';
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args;
    if (a.startsWith('-') && a !== '-') {
      if (!a.includes('=') && takesValue(a)) i++;
      continue;
    }
    return [...args.slice(0, i + 1), '--', ...args.slice(i + 1)];
  }
  return args;
}

async function main(argv: string[]): Promise<number> {
  let logger: Logger = createLogger({ format: 'text', debug: false });
  let logToFile = false;
  try {
    const { global, rest } = parseGlobal(argv);
    logger = createLogger({ file: global.log, format: global.logFormat, debug: global.debug });
    logToFile = global.log !== undefined;
    if (global.version) {
      writeStdout(`tsrun version ${VERSION}\ncommit: ${COMMIT}\nspec: ${RUNTIME_SPEC_VERSION}\n`);
      return 0;
    }
    const name = rest[0];
    if (global.help || name === undefined || name === 'help') {
      writeStdout(usage());
      return 0; // runc, too, prints its help and succeeds when given no command
    }
    if (global.systemdCgroup) throw new TsrunError('--systemd-cgroup: systemd is not driven by tsrun; use cgroupfs paths (drop the flag)');
    if (global.rootless === 'true' && process.getuid?.() === 0) logger.debug('--rootless=true as root: cgroup errors are not ignored');
    const spec = COMMANDS[name];
    if (!spec) {
      if (NOT_YET.includes(name)) throw new TsrunError(`${name}: not implemented by tsrun yet`);
      throw new TsrunError(`unknown command ${JSON.stringify(name)} (see tsrun --help)`);
    }
    const longNames = new Set(Object.keys(spec.options));
    let cmdArgs = rest.slice(1).map((a) => normaliseFlag(a, longNames)).filter((a): a is string => a !== null);
    if (spec.optionsEndAtId) cmdArgs = endOptionsAtFirstPositional(cmdArgs, spec.options);
    let parsed;
    try {
      parsed = parseArgs({ args: cmdArgs, options: spec.options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new TsrunError(`${name}: ${(err as Error).message.split('\n')[0]} (usage: tsrun ${spec.usage})`);
    }
    const [min, max] = spec.arity;
    if (parsed.positionals.length < min || parsed.positionals.length > max)
      throw new TsrunError(`${name}: ${parsed.positionals.length < min ? 'missing' : 'too many'} arguments (usage: tsrun ${spec.usage})`);
    const { StateStore } = await import('../container/state-store.ts');
    let store: InstanceType<typeof StateStore> | undefined;
    const ctx: CommandContext = { global, logger, store: () => (store ??= new StateStore(global.root)) };
    const command = await spec.load();
    return await command.default(ctx, { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals });
  } catch (err) {
    const message = err instanceof Error ? (err.name === 'TsrunError' || err.name === 'SpecValidationError' ? err.message : `${err.message}`) : String(err);
    if (logToFile) logger.error(message); // without --log, the line below is the record
    if (!(err instanceof TsrunError) && err instanceof Error && err.name !== 'SpecValidationError' && process.env.TSRUN_DEBUG_STACK) printError(err.stack ?? '');
    printError(message);
    return err instanceof TsrunError ? err.exitCode : 1;
  }
}

// Exit at once: a detached container may still hold inherited handles, and Node's orderly
// teardown of an idle loop costs several milliseconds on every call.
main(process.argv.slice(2)).then((code) => process.exit(code));
