/**
 * Push: store -> registry. Blobs first (config and layers, bounded in parallel; each skipped when the
 * repository has it, mounted from another repository of the same registry when the image came from
 * there), then each platform manifest by digest, then the top manifest or index under the tag, so the tag
 * never names something incomplete. Manifests go up as the exact bytes stored, so digests are kept.
 */
import { type ImageReference, formatReference, manifestReference, parseReference } from '../reference/parse.ts';
import { readIndexBlob, readManifestBlob } from '../store/image-documents.ts';
import type { Descriptor, OciStore } from '../store/layout.ts';
import { runBounded } from './bounded-parallel.ts';
import type { RegistryClient } from './client.ts';
import { isImageManifest, isIndex } from './media-types.ts';

export interface PushOptions {
  store: OciStore;
  descriptor: Descriptor;
  /** The name the image has in the store, if any: a source for cross-repository mounts. */
  sourceName?: string;
  destination: ImageReference;
  client: RegistryClient;
  chunkSize?: number;
  concurrency?: number;
  onBlob?: (descriptor: Descriptor, how: 'exists' | 'mounted' | 'uploaded') => void;
}

export interface PushResult {
  name: string;
  digest: string;
  blobs: { digest: string; size: number; how: 'exists' | 'mounted' | 'uploaded' }[];
}

function mountSource(sourceName: string | undefined, destination: ImageReference): string | undefined {
  if (!sourceName) return undefined;
  try {
    const source = parseReference(sourceName);
    return source.domain === destination.domain && source.path !== destination.path ? source.path : undefined;
  } catch {
    return undefined;
  }
}

export async function pushImage(options: PushOptions): Promise<PushResult> {
  const { store, descriptor, destination, client } = options;
  const repository = destination.path;
  const owner = options.sourceName ?? descriptor.digest;
  const all = isIndex(descriptor.mediaType) ? readIndexBlob(store, descriptor, owner).manifests : [];
  const manifests: Descriptor[] = isIndex(descriptor.mediaType) ? all.filter((m) => isImageManifest(m.mediaType) && store.hasBlob(m.digest)) : [descriptor];
  if (isIndex(descriptor.mediaType)) {
    if (manifests.length !== all.length) throw new Error(`${options.sourceName ?? descriptor.digest}: only ${manifests.length} of the index's ${all.length} manifests are in the store; pull it with --all-platforms first`);
  }
  const blobs = new Map<string, Descriptor>();
  for (const m of manifests) {
    const manifest = readManifestBlob(store, m, owner);
    for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, d);
  }
  const mountFrom = mountSource(options.sourceName, destination);
  const result: PushResult['blobs'] = [];
  await runBounded([...blobs.values()], options.concurrency ?? 4, async (blob) => {
    if (!store.hasBlob(blob.digest, blob.size)) throw new Error(`blob ${blob.digest} is missing from the store ${store.root}`);
    const how = await client.pushBlob(repository, blob, store.blobPath(blob.digest), { mountFrom, chunkSize: options.chunkSize });
    options.onBlob?.(blob, how);
    result.push({ digest: blob.digest, size: blob.size, how });
  });
  if (isIndex(descriptor.mediaType)) {
    for (const m of manifests) await client.putManifest(repository, m.digest, store.readBlob(m.digest), m.mediaType);
  }
  await client.putManifest(repository, manifestReference(destination), store.readBlob(descriptor.digest), descriptor.mediaType);
  return { name: formatReference(destination), digest: descriptor.digest, blobs: result };
}
