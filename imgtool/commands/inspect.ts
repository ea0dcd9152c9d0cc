/** tsimg inspect IMAGE: manifest, config and history of a stored image; --raw prints the manifest bytes as stored. */
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { isIndex } from '../registry/media-types.ts';
import { formatPlatform, hostPlatform, selectPlatform } from '../registry/platform.ts';
import type { Descriptor } from '../store/layout.ts';
import { readConfigBlob, readIndexBlob, readManifestBlob } from '../store/image-documents.ts';
import { resolveImage } from '../store/resolve-name.ts';

interface InspectArgs extends GlobalOptions {
  image: string;
  raw?: boolean;
  config?: boolean;
}


export const inspectCommand: CommandModule<GlobalOptions, InspectArgs> = {
  command: 'inspect <image>',
  describe: 'show a stored image: manifest, config, layers, history',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true })
      .option('raw', { type: 'boolean', describe: 'print the manifest (or index) bytes exactly as stored' })
      .option('config', { type: 'boolean', describe: 'print the image config JSON exactly as stored' }),
  handler: (args) => {
    const store = openStore(args);
    const { name, descriptor } = resolveImage(store, args.image);
    if (args.raw) return void process.stdout.write(store.readBlob(descriptor.digest));
    let manifestDescriptor: Descriptor = descriptor;
    if (isIndex(descriptor.mediaType)) {
      const index = readIndexBlob(store, descriptor, name);
      const stored = index.manifests.filter((m) => store.hasBlob(m.digest));
      manifestDescriptor = selectPlatform(stored, hostPlatform()) ?? stored[0] ?? descriptor;
      if (manifestDescriptor === descriptor) throw new Error(`${name ?? descriptor.digest}: none of the index's manifests is in the store`);
    }
    const manifest = readManifestBlob(store, manifestDescriptor, name);
    if (args.config) return void process.stdout.write(store.readBlob(manifest.config.digest));
    const config = readConfigBlob(store, manifest.config, name);
    const summary = {
      name,
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      manifestDigest: manifestDescriptor.digest,
      platform: formatPlatform({ os: config.os ?? '?', architecture: config.architecture ?? '?', ...(config.variant ? { variant: config.variant } : {}) }),
      created: config.created,
      config: config.config ?? {},
      layers: manifest.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
      diffIds: config.rootfs?.diff_ids ?? [],
      history: config.history ?? [],
    };
    printJson(summary);
  },
};
