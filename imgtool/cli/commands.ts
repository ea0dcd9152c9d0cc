/**
 * Every tsimg command, in the order `tsimg --help` lists them, by the words that call it. Each
 * module is loaded only when needed: a command's implementation (the registry client, the layer
 * applier, validators) costs start-up time that the other commands should not pay, and tsimg is
 * run once per action. Adding a command is one line here; a test checks the words match the modules.
 */
import type { CommandModule } from 'yargs';
import type { GlobalOptions } from './global-options.ts';

// Each module types its own arguments; yargs only needs them as command modules.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TsimgCommand = CommandModule<GlobalOptions, any>;

interface CommandEntry {
  /** The command's name first, then its aliases. */
  words: readonly string[];
  load: () => Promise<TsimgCommand>;
}

export const commandTable: readonly CommandEntry[] = [
  { words: ['pull'], load: async () => (await import('../commands/pull.ts')).pullCommand },
  { words: ['push'], load: async () => (await import('../commands/push.ts')).pushCommand },
  { words: ['unpack'], load: async () => (await import('../commands/unpack.ts')).unpackCommand },
  { words: ['unmount'], load: async () => (await import('../commands/unmount.ts')).unmountCommand },
  { words: ['rm-bundle'], load: async () => (await import('../commands/rm-bundle.ts')).rmBundleCommand },
  { words: ['images', 'ls', 'list'], load: async () => (await import('../commands/images.ts')).imagesCommand },
  { words: ['inspect'], load: async () => (await import('../commands/inspect.ts')).inspectCommand },
  { words: ['tag'], load: async () => (await import('../commands/tag.ts')).tagCommand },
  { words: ['rm', 'rmi'], load: async () => (await import('../commands/rm.ts')).rmCommand },
  { words: ['gc'], load: async () => (await import('../commands/gc.ts')).gcCommand },
  { words: ['copy'], load: async () => (await import('../commands/copy.ts')).copyCommand },
  { words: ['import'], load: async () => (await import('../commands/copy.ts')).importCommand },
  { words: ['export'], load: async () => (await import('../commands/copy.ts')).exportCommand },
  { words: ['login'], load: async () => (await import('../commands/login.ts')).loginCommand },
  { words: ['logout'], load: async () => (await import('../commands/login.ts')).logoutCommand },
];

export function allCommands(): Promise<TsimgCommand[]> {
  return Promise.all(commandTable.map((c) => c.load()));
}

/** Global options that take a value in the next word (`--root DIR`); the others are flags. */
const VALUE_OPTIONS = new Set(['--root', '--authfile', '--format']);

/**
 * The command the words name and where, found without yargs: the first word that is neither an
 * option nor the value of one. undefined when there is none or it is no command's word; then every command is
 * loaded and yargs decides (help, suggestions, errors), so a wrong guess here costs time, never a
 * different result.
 */
export function commandNamedBy(argv: readonly string[]): { entry: CommandEntry; index: number } | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return undefined;
    if (!word.startsWith('-')) {
      const entry = commandTable.find((c) => c.words.includes(word));
      return entry && { entry, index: i };
    }
    if (VALUE_OPTIONS.has(word)) i++;
    else if (/^--(insecure|tls-verify|quiet)$/.test(word) && /^(true|false)$/.test(argv[i + 1] ?? '')) i++;
  }
  return undefined;
}
