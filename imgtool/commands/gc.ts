/**
 * tsimg gc: deletes blobs no name reaches, and temp files of writes that died. Runs under the index lock;
 * while another tsimg is writing (an ingest/active-* mark whose process lives), blobs newer than the oldest
 * such mark are kept, since that writer will reference them once it is done. Then the layer cache: layer
 * directories no stored image needs and no mounted bundle or unpack in progress uses (bundle/layer-gc.ts).
 */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { humanBytes } from '../cli/human-size.ts';

export const gcCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'gc',
  describe: 'delete blobs that no image name references, and cached layers no image or bundle uses',
  handler: async (args) => {
    const { removeUnusedLayers } = await import('../bundle/layer-gc.ts');
    const store = openStore(args);
    const result = await store.removeUnreferenced('all');
    const layers = await removeUnusedLayers(store);
    if (args.format === 'json') printJson({ ...result, layers });
    else if (!args.quiet) process.stdout.write(`removed ${result.removed.length} blobs, ${humanBytes(result.freed)}; ${layers.removed.length} cached layers, ${humanBytes(layers.freed)}\n`);
  },
};
