/** tsimg images: the names in the store, with digest, platform and size (manifest + config + layers). */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { humanBytes } from '../cli/human-size.ts';
import { formatPlatform } from '../registry/platform.ts';
import { imageSize } from '../store/reachable.ts';
import { REF_NAME_ANNOTATION } from '../store/layout.ts';

export const imagesCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'images',
  aliases: ['ls', 'list'],
  describe: 'list the images in the store',
  handler: (args) => {
    const store = openStore(args);
    const rows = store.readIndex().manifests.map((d) => ({
      name: d.annotations?.[REF_NAME_ANNOTATION] ?? '<none>',
      digest: d.digest,
      mediaType: d.mediaType,
      platform: d.platform ? formatPlatform(d.platform) : undefined,
      size: imageSize(store, d),
    }));
    if (args.format === 'json') return printJson(rows);
    if (args.quiet) return void process.stdout.write(rows.map((r) => `${r.name}\n`).join(''));
    const table = [['NAME', 'DIGEST', 'PLATFORM', 'SIZE'], ...rows.map((r) => [r.name, r.digest.slice(0, 19), r.platform ?? '-', humanBytes(r.size)])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n').join(''));
  },
};
