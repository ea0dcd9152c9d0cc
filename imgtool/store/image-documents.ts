/**
 * Reads the JSON documents of a stored image (index, manifest, config) through the image-spec validators
 * (spec/validate-image.ts), so a garbage blob in a store or a layout someone else wrote is refused with
 * where it is and the JSON path that is wrong, instead of failing later as "cannot read property ...".
 */
import { type OciImageConfig, parseImageDocument, validateDockerManifest, validateDockerManifestList, validateImageConfig, validateImageIndex, validateImageManifest } from '../../spec/validate-image.ts';
import type { ImageIndex, ImageManifest } from '../registry/manifest.ts';
import { MediaType } from '../registry/media-types.ts';
import type { Descriptor, OciStore } from './layout.ts';

type Validate = (doc: unknown, source: string) => unknown;

const MANIFEST_VALIDATORS: Record<string, Validate> = {
  [MediaType.ociManifest]: validateImageManifest,
  [MediaType.dockerManifest]: validateDockerManifest,
};
const INDEX_VALIDATORS: Record<string, Validate> = {
  [MediaType.ociIndex]: validateImageIndex,
  [MediaType.dockerManifestList]: validateDockerManifestList,
};

/** How errors name a blob: the store (or layout) and the digest, and what points at it when known. */
export function blobSource(store: OciStore, d: Descriptor, what: string, owner?: string): string {
  return `${what} ${d.digest}${owner ? ` of ${owner}` : ''} in ${store.root}`;
}

export function readManifestBlob(store: OciStore, d: Descriptor, owner?: string): ImageManifest {
  const validate = MANIFEST_VALIDATORS[d.mediaType] ?? validateImageManifest;
  return parseImageDocument(store.readBlob(d.digest), validate, blobSource(store, d, 'manifest', owner)) as ImageManifest;
}

export function readIndexBlob(store: OciStore, d: Descriptor, owner?: string): ImageIndex {
  const validate = INDEX_VALIDATORS[d.mediaType] ?? validateImageIndex;
  return parseImageDocument(store.readBlob(d.digest), validate, blobSource(store, d, 'index', owner)) as ImageIndex;
}

export function readConfigBlob(store: OciStore, d: Descriptor, owner?: string): OciImageConfig {
  return parseImageDocument(store.readBlob(d.digest), validateImageConfig, blobSource(store, d, 'config', owner));
}
