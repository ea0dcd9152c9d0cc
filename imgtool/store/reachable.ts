/**
 * What a descriptor reaches in the store: an index reaches its manifests, a manifest its config and layers.
 * gc keeps what names reach; images sums it. Blobs missing from the store (a partial --platform pull
 * of an index) are skipped, not errors.
 */
import { isImageManifest, isIndex } from '../registry/media-types.ts';
import { readIndexBlob, readManifestBlob } from './image-documents.ts';
import type { Descriptor, OciStore } from './layout.ts';

export function reachableBlobs(store: OciStore, roots: Descriptor[]): Map<string, Descriptor> {
  const seen = new Map<string, Descriptor>();
  const visit = (d: Descriptor) => {
    if (seen.has(d.digest)) return;
    seen.set(d.digest, d);
    if (!store.hasBlob(d.digest)) return;
    if (isIndex(d.mediaType)) {
      for (const m of readIndexBlob(store, d).manifests) visit(m);
    } else if (isImageManifest(d.mediaType)) {
      const m = readManifestBlob(store, d);
      visit(m.config);
      for (const l of m.layers) visit(l);
    }
  };
  roots.forEach(visit);
  return seen;
}

export function imageSize(store: OciStore, root: Descriptor): number {
  let total = 0;
  for (const d of reachableBlobs(store, [root]).values()) if (store.hasBlob(d.digest)) total += d.size;
  return total;
}
