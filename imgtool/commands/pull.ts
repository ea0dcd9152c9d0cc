/** tsimg pull IMAGE: registry -> store, with progress, platform choice and a JSON result for scripts. */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { registryClient } from '../cli/registry-options.ts';
import { humanBytes } from '../cli/human-size.ts';
import { TerminalProgress, plainProgress } from '../cli/progress.ts';
import { parseReference } from '../reference/parse.ts';
import { parsePlatform } from '../registry/platform.ts';
import { DEFAULT_CONCURRENCY, type PullProgress, pullImage } from '../registry/pull-image.ts';

interface PullArgs extends GlobalOptions {
  image: string;
  platform?: string;
  'all-platforms'?: boolean;
  jobs?: number;
}

export const pullCommand: CommandModule<GlobalOptions, PullArgs> = {
  command: 'pull <image>',
  describe: 'download an image from a registry into the store',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'reference, e.g. busybox, host:port/ns/repo:tag, repo@sha256:...' })
      .option('platform', { type: 'string', describe: 'os/arch[/variant] to pick from an index (default: this machine)' })
      .option('all-platforms', { type: 'boolean', describe: 'keep every platform of an index' })
      .option('jobs', { type: 'number', default: DEFAULT_CONCURRENCY, describe: 'blobs downloaded at once' })
      .conflicts('platform', 'all-platforms'),
  handler: async (args) => {
    const reference = parseReference(args.image);
    const platform = args.platform ? parsePlatform(args.platform) : undefined;
    const store = openStore(args);
    const client = registryClient(reference.domain, args);
    const quiet = args.quiet || args.format === 'json';
    let terminal: TerminalProgress | undefined;
    let progress: PullProgress | undefined;
    if (!quiet) progress = process.stderr.isTTY ? (terminal = new TerminalProgress(process.stderr)) : plainProgress(process.stderr);
    const started = Date.now();
    try {
      const result = await pullImage({ reference, store, client, platform, allPlatforms: args['all-platforms'], concurrency: args.jobs, progress });
      terminal?.finish();
      const seconds = (Date.now() - started) / 1000;
      if (args.format === 'json') printJson({ ...result, seconds, store: store.root });
      else if (args.quiet) process.stdout.write(`${result.name}\n`);
      else {
        process.stdout.write(`${result.name}\n  digest ${result.descriptor.digest}${result.platforms.length ? `  platform ${result.platforms.join(', ')}` : ''}\n`);
        process.stdout.write(`  ${result.blobs.length} blobs, ${humanBytes(result.bytesDownloaded)} downloaded in ${seconds.toFixed(2)} s\n`);
      }
    } finally {
      terminal?.finish();
    }
  },
};
