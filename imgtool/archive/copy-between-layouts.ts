/**
 * Copies one image (an index with what of it is present, or a manifest with its config and layers)
 * from one OCI layout to another, every blob verified again on the way in, and names it there last.
 */
import { MediaType } from '../registry/media-types.ts';
import { readConfigBlob } from '../store/image-documents.ts';
import type { Descriptor, OciStore } from '../store/layout.ts';
import { reachableBlobs } from '../store/reachable.ts';
import { markWriteInProgress } from '../store/write-marks.ts';
import { createReadStream } from 'node:fs';

const isConfig = (mediaType: string): boolean => mediaType === MediaType.ociConfig || mediaType === MediaType.dockerConfig;

export async function copyBetweenLayouts(source: OciStore, descriptor: Descriptor, destination: OciStore, name: string | undefined): Promise<void> {
  const blobs = [...reachableBlobs(source, [descriptor]).values()].filter((d) => source.hasBlob(d.digest));
  if (!source.hasBlob(descriptor.digest)) throw new Error(`${source.root}: manifest ${descriptor.digest} is missing`);
  // reachableBlobs checked the indexes and manifests; the configs are checked here, before anything is written.
  for (const blob of blobs) if (isConfig(blob.mediaType)) readConfigBlob(source, blob);
  const mark = markWriteInProgress(destination.ingestDir);
  const created: string[] = [];
  try {
    // Children before parents, so a crash never leaves a manifest whose blobs are missing.
    for (const blob of blobs.reverse()) {
      if (destination.hasBlob(blob.digest, blob.size)) continue;
      await destination.writeBlobStream(blob.digest, blob.size, createReadStream(source.blobPath(blob.digest)), `blob ${blob.digest} of ${source.root}`);
      created.push(blob.digest);
    }
    destination.syncBlobDirectory();
    const { annotations, ...rest } = descriptor;
    const kept = annotations ? Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== 'org.opencontainers.image.ref.name')) : {};
    if (name) await destination.setRef(name, { ...rest, ...(Object.keys(kept).length ? { annotations: kept } : {}) });
  } catch (e) {
    await destination.removeUnreferenced(created, mark).catch(() => undefined);
    throw e;
  } finally {
    mark.release();
  }
}
