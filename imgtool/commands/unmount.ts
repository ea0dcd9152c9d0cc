import type { Argv, CommandModule } from 'yargs';

/** `tsimg unmount BUNDLE`: unmounts an overlay bundle's rootfs; its writable layer stays. */
export const unmountCommand: CommandModule<object, { bundle: string }> = {
  command: 'unmount <bundle>',
  describe: "Unmount an overlay bundle's rootfs (its changes stay in BUNDLE/overlay/upper)",
  builder: (y: Argv) => y.positional('bundle', { type: 'string', demandOption: true }) as unknown as Argv<{ bundle: string }>,
  handler: async (argv) => {
    const { unmountBundle } = await import('../bundle/bundle-teardown.ts');
    if (!unmountBundle(argv.bundle)) process.stderr.write(`tsimg: ${argv.bundle}/rootfs was not mounted\n`);
  },
};
