/**
 * tsimg copy SOURCE DESTINATION, and its two common cases: tsimg import SOURCE [NAME] (into the store)
 * and tsimg export NAME DESTINATION (out of it). Locations: see archive/location.ts.
 */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { registryClient } from '../cli/registry-options.ts';
import { copyImage } from '../archive/copy-image.ts';
import { type Location, parseLocation } from '../archive/location.ts';
import { parsePlatform } from '../registry/platform.ts';
import type { OciStore } from '../store/layout.ts';

interface CopyArgs extends GlobalOptions {
  source: string;
  destination?: string;
  name?: string;
  platform?: string;
  'all-platforms'?: boolean;
}

const LOCATIONS = 'docker://REF, oci:DIR[:NAME], oci-archive:FILE[:NAME], docker-archive:FILE[:NAME], or a store name';

async function run(args: CopyArgs, source: Location, destination: Location): Promise<void> {
  let store: OciStore | undefined;
  const result = await copyImage(source, destination, {
    store: () => (store ??= openStore(args)),
    client: (registry) => registryClient(registry, args),
    platform: args.platform ? parsePlatform(args.platform) : undefined,
    allPlatforms: args['all-platforms'],
  });
  if (args.format === 'json') printJson(result);
  else if (!args.quiet) process.stdout.write(`${result.name ?? '(unnamed)'}\n  digest ${result.digest}\n`);
}

const platformOptions = {
  platform: { type: 'string', describe: 'os/arch[/variant] to pick from a registry index' },
  'all-platforms': { type: 'boolean', describe: 'keep every platform of a registry index' },
} as const;

export const copyCommand: CommandModule<GlobalOptions, CopyArgs> = {
  command: 'copy <source> <destination>',
  describe: 'copy an image between registries, OCI layouts, archives and the store',
  builder: (y) => y.positional('source', { type: 'string', demandOption: true, describe: LOCATIONS }).positional('destination', { type: 'string', describe: LOCATIONS }).options(platformOptions),
  handler: (args) => run(args, parseLocation(args.source), parseLocation(args.destination!)),
};

export const importCommand: CommandModule<GlobalOptions, CopyArgs> = {
  command: 'import <source> [name]',
  describe: 'bring an image from an OCI layout, an oci-archive or a docker-archive into the store',
  builder: (y) => y.positional('source', { type: 'string', demandOption: true, describe: LOCATIONS }).positional('name', { type: 'string', describe: 'name in the store (default: the name it has there)' }).options(platformOptions),
  handler: (args) => run(args, parseLocation(args.source), { kind: 'store', name: args.name ?? '' }),
};

export const exportCommand: CommandModule<GlobalOptions, CopyArgs> = {
  command: 'export <source> <destination>',
  describe: 'write a stored image to an OCI layout, an oci-archive or a docker-archive',
  builder: (y) => y.positional('source', { type: 'string', demandOption: true, describe: 'name in the store' }).positional('destination', { type: 'string', describe: LOCATIONS }),
  handler: (args) => run(args, { kind: 'store', name: args.source }, parseLocation(args.destination!)),
};
