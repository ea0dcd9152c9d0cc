/** tsimg tag SOURCE TARGET: a second name for a stored image (target is normalized like a pull reference). */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore } from '../cli/global-options.ts';
import { formatReference, parseReference } from '../reference/parse.ts';
import { resolveImage } from '../store/resolve-name.ts';

interface TagArgs extends GlobalOptions {
  source: string;
  target: string;
}

export const tagCommand: CommandModule<GlobalOptions, TagArgs> = {
  command: 'tag <source> <target>',
  describe: 'give a stored image another name',
  builder: (y) => y.positional('source', { type: 'string', demandOption: true }).positional('target', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const store = openStore(args);
    const { descriptor } = resolveImage(store, args.source);
    const target = formatReference(parseReference(args.target));
    const { annotations: _names, ...rest } = descriptor;
    await store.setRef(target, rest);
    if (!args.quiet) process.stdout.write(`${target}\n`);
  },
};
