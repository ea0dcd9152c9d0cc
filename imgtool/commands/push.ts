/** tsimg push IMAGE [DESTINATION]: store -> registry (DESTINATION defaults to the image's own name). */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { registryClient } from '../cli/registry-options.ts';
import { humanBytes } from '../cli/human-size.ts';
import { parseReference } from '../reference/parse.ts';
import { pushImage } from '../registry/push-image.ts';
import { resolveImage } from '../store/resolve-name.ts';

interface PushArgs extends GlobalOptions {
  image: string;
  destination?: string;
  'chunk-size'?: number;
  jobs?: number;
}

export const pushCommand: CommandModule<GlobalOptions, PushArgs> = {
  command: 'push <image> [destination]',
  describe: 'upload a stored image to a registry',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'name or digest in the store' })
      .positional('destination', { type: 'string', describe: 'registry reference (default: the stored name)' })
      .option('chunk-size', { type: 'number', describe: 'upload blobs in PATCH chunks of this many bytes (default: one PUT)' })
      .option('jobs', { type: 'number', default: 4, describe: 'blobs uploaded at once' }),
  handler: async (args) => {
    const store = openStore(args);
    const { name, descriptor } = resolveImage(store, args.image);
    const target = args.destination ?? name;
    if (!target) throw new Error(`"${args.image}" has no name to push to; give a destination`);
    const destination = parseReference(target);
    const client = registryClient(destination.domain, args);
    const result = await pushImage({
      store,
      descriptor,
      sourceName: name,
      destination,
      client,
      chunkSize: args['chunk-size'],
      concurrency: args.jobs,
      onBlob: args.quiet || args.format === 'json' ? undefined : (d, how) => process.stderr.write(`${d.digest.slice(7, 19)}: ${how} (${humanBytes(d.size)})\n`),
    });
    if (args.format === 'json') printJson(result);
    else process.stdout.write(`${result.name}\n${args.quiet ? '' : `  digest ${result.digest}\n`}`);
  },
};
