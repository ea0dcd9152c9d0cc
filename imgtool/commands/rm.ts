/** tsimg rm NAME...: removes names from the store; the blobs go with the next gc. */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore } from '../cli/global-options.ts';
import { resolveImage } from '../store/resolve-name.ts';

interface RmArgs extends GlobalOptions {
  images: string[];
}

export const rmCommand: CommandModule<GlobalOptions, RmArgs> = {
  command: 'rm <images..>',
  aliases: ['rmi'],
  describe: 'remove image names from the store (run gc to free the space)',
  builder: (y) => y.positional('images', { type: 'string', array: true, demandOption: true }),
  handler: async (args) => {
    const store = openStore(args);
    for (const input of args.images) {
      const { name } = resolveImage(store, input);
      if (!name) throw new Error(`"${input}" has no name in ${store.root}; nothing to remove`);
      await store.removeRef(name);
      if (!args.quiet) process.stdout.write(`removed ${name}\n`);
    }
  },
};
