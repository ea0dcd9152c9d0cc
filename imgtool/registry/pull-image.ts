/**
 * Pull: registry -> store. The manifest (and, for an index, the chosen platform's manifest) is fetched and
 * verified first; then config and layers download in parallel (bounded) through digest verification into
 * the store; manifests are stored after their blobs, and the name goes into index.json last, so the index
 * never points at something missing. Blobs already in the store are not fetched again.
 */
import { type ImageReference, formatReference, manifestReference } from '../reference/parse.ts';
import type { Descriptor, OciStore, Platform } from '../store/layout.ts';
import { runBounded } from './bounded-parallel.ts';
import type { FetchedManifest, RegistryClient } from './client.ts';
import { DigestMismatchError, RegistryError } from './errors.ts';
import type { ImageManifest } from './manifest.ts';
import { MediaType, isImageManifest } from './media-types.ts';
import { dockerManifestToOci, indexToOci } from '../store/docker-to-oci.ts';
import { markWriteInProgress } from '../store/write-marks.ts';
import { readConfigBlob } from '../store/image-documents.ts';
import { describeOffered, formatPlatform, hostPlatform, selectPlatform } from './platform.ts';

export interface PullProgress {
  blobStart(descriptor: Descriptor, cached: boolean): void;
  blobBytes(descriptor: Descriptor, bytes: number): void;
  blobDone(descriptor: Descriptor): void;
}

export interface PullOptions {
  reference: ImageReference;
  store: OciStore;
  client: RegistryClient;
  platform?: Platform;
  allPlatforms?: boolean;
  concurrency?: number;
  progress?: PullProgress;
  /**
   * Keep Docker schema 2 manifests and lists as the registry sent them (same bytes, same digest) instead of
   * storing their OCI equivalent: for a layout that is only a way station to another registry (copy
   * docker:// to docker://, as skopeo copies), where no OCI reader will look.
   */
  keepDockerTypes?: boolean;
}

export interface PullResult {
  name: string;
  /** What the name points at in index.json. */
  descriptor: Descriptor;
  platforms: string[];
  blobs: { digest: string; size: number; mediaType: string; downloaded: boolean }[];
  bytesDownloaded: number;
}

export const DEFAULT_CONCURRENCY = 4;

export async function pullImage(options: PullOptions): Promise<PullResult> {
  const { reference, store, client } = options;
  const repository = reference.path;
  const name = formatReference(reference);
  const top = await client.getManifest(repository, manifestReference(reference));

  // Which image manifests to fetch, with the descriptor index.json will hold for the name.
  let images: { descriptor: Descriptor; fetched: FetchedManifest }[] = [];
  let target: Descriptor;
  if (top.parsed.kind === 'index') {
    const entries = top.parsed.index.manifests.filter((d) => isImageManifest(d.mediaType));
    let chosen: Descriptor[];
    if (options.allPlatforms) {
      chosen = entries;
    } else {
      const want = options.platform ?? hostPlatform();
      const match = selectPlatform(entries, want);
      if (!match) throw new RegistryError(`${name}: no image for platform ${formatPlatform(want)}; the index offers ${describeOffered(top.parsed.index.manifests)} (use --platform)`);
      chosen = [match];
    }
    images = await Promise.all(
      chosen.map(async (descriptor) => {
        const fetched = await client.getManifest(repository, descriptor.digest);
        if (fetched.bytes.length !== descriptor.size) throw new DigestMismatchError(`manifest ${descriptor.digest} of ${name}`, `${descriptor.size} bytes`, `${fetched.bytes.length} bytes`);
        if (fetched.parsed.kind !== 'image') throw new RegistryError(`${name}: index entry ${descriptor.digest} is not an image manifest`);
        return { descriptor, fetched };
      }),
    );
  } else {
    images = [{ descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }, fetched: top }];
  }

  // Docker schema 2 manifests are stored as their OCI equivalent (see store/docker-to-oci.ts).
  const stored = images.map(({ descriptor, fetched }) => {
    const manifest = (fetched.parsed as { manifest: ImageManifest }).manifest;
    if (options.keepDockerTypes || fetched.mediaType !== MediaType.dockerManifest) return { original: descriptor, descriptor, bytes: fetched.bytes, manifest };
    const converted = dockerManifestToOci(fetched.bytes);
    return { original: descriptor, descriptor: { ...descriptor, mediaType: converted.mediaType, digest: converted.digest, size: converted.bytes.length }, bytes: converted.bytes, manifest };
  });
  let storedIndex: { bytes: Buffer; digest: string } | undefined;
  if (top.parsed.kind === 'index' && options.allPlatforms) {
    const changed = stored.filter((s) => s.descriptor.digest !== s.original.digest);
    const keepTop = changed.length === 0 && (top.mediaType === MediaType.ociIndex || options.keepDockerTypes);
    storedIndex = keepTop ? { bytes: top.bytes, digest: top.digest } : indexToOci(top.bytes, new Map(changed.map((s) => [s.original.digest, s.descriptor])));
    target = { mediaType: keepTop ? top.mediaType : MediaType.ociIndex, digest: storedIndex.digest, size: storedIndex.bytes.length };
  } else {
    const { annotations: _ignored, ...descriptor } = stored[0]!.descriptor;
    target = descriptor;
  }

  const blobs = new Map<string, Descriptor>();
  for (const { manifest } of stored) {
    for (const d of [manifest.config, ...manifest.layers]) if (!blobs.has(d.digest)) blobs.set(d.digest, d);
  }

  const mark = markWriteInProgress(store.ingestDir);
  const created: string[] = [];
  try {
    const result: PullResult['blobs'] = [];
    let bytesDownloaded = 0;
    // Largest first: with more blobs than --jobs, the pull ends when its biggest download does, so that one
    // must not wait for a slot behind small ones.
    const bySize = [...blobs.values()].sort((a, b) => b.size - a.size);
    await runBounded(bySize, options.concurrency ?? DEFAULT_CONCURRENCY, async (descriptor) => {
      if (store.hasBlob(descriptor.digest, descriptor.size)) {
        options.progress?.blobStart(descriptor, true);
        options.progress?.blobDone(descriptor);
        result.push({ digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType, downloaded: false });
        return;
      }
      options.progress?.blobStart(descriptor, false);
      const writer = store.openBlobWriter(descriptor.digest, descriptor.size, `blob ${descriptor.digest} of ${client.registry}/${repository}`);
      try {
        await client.fetchBlob(repository, descriptor, writer, (n) => {
          bytesDownloaded += n;
          options.progress?.blobBytes(descriptor, n);
        });
        await writer.commit();
        created.push(descriptor.digest);
      } catch (e) {
        await writer.abort();
        throw e;
      }
      options.progress?.blobDone(descriptor);
      result.push({ digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType, downloaded: true });
    });
    // Configs are checked against the image-spec schema before anything names them; a bad one fails the pull,
    // and the catch below takes back every blob this pull added.
    for (const { manifest } of stored) readConfigBlob(store, manifest.config, name);
    for (const { descriptor, bytes } of stored) await store.writeBlobBytes(bytes, descriptor.digest, `manifest ${descriptor.digest} of ${name}`);
    if (storedIndex) await store.writeBlobBytes(storedIndex.bytes, storedIndex.digest, `index ${storedIndex.digest} of ${name}`);
    store.syncBlobDirectory();
    await store.setRef(name, target);
    const platforms = stored.map(({ descriptor }) => (descriptor.platform ? formatPlatform(descriptor.platform) : '')).filter(Boolean);
    return { name, descriptor: target, platforms, blobs: result, bytesDownloaded };
  } catch (e) {
    // Verified blobs this pull added stay only if something references them: a failed pull changes nothing.
    await store.removeUnreferenced(created, mark).catch(() => undefined);
    throw e;
  } finally {
    mark.release();
  }
}
