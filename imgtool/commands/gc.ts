/**
 * tsimg gc: deletes blobs no name reaches, and temp files of writes that died. Runs under the index lock;
 * while another tsimg is writing (an ingest/active-* mark whose process lives), blobs newer than the oldest
 * such mark are kept, since that writer will reference them once it is done.
 */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { humanBytes } from '../cli/human-size.ts';

export const gcCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'gc',
  describe: 'delete blobs that no image name references',
  handler: async (args) => {
    const result = await openStore(args).removeUnreferenced('all');
    if (args.format === 'json') printJson(result);
    else if (!args.quiet) process.stdout.write(`removed ${result.removed.length} blobs, ${humanBytes(result.freed)}\n`);
  },
};
