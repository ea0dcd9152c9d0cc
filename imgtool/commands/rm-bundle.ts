import type { Argv, CommandModule } from 'yargs';

/** `tsimg rm-bundle BUNDLE`: unmounts if needed, then deletes a bundle made by unpack. */
export const rmBundleCommand: CommandModule<object, { bundle: string }> = {
  command: 'rm-bundle <bundle>',
  describe: 'Unmount (if mounted) and delete a bundle made by tsimg unpack',
  builder: (y: Argv) => y.positional('bundle', { type: 'string', demandOption: true }) as unknown as Argv<{ bundle: string }>,
  handler: async (argv) => {
    const { removeBundle } = await import('../bundle/bundle-teardown.ts');
    removeBundle(argv.bundle);
  },
};
