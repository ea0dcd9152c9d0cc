import { formatReference, parseReference } from '../reference/parse.ts';
import { readFileSync, statSync } from 'node:fs';
import { parseImageDocument, validateDockerManifest, validateDockerManifestList, validateImageConfig, validateImageIndex, validateImageManifest } from '../../spec/validate-image.ts';
import { join } from 'node:path';

/** Errors about the store or the image in it: what is missing and what to run. */
export class ImageLookupError extends Error {}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
  };
  rootfs: { type: string; diff_ids: string[] };
}

export interface ResolvedImage {
  manifestDigest: string;
  manifest: { layers: Descriptor[]; config: Descriptor; annotations?: Record<string, string> };
  config: ImageConfig;
  /** Bottom layer first, each with its blob path and diffID. */
  layers: { digest: string; mediaType: string; path: string; diffID: string }[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const INDEX_DOCKER = 'application/vnd.docker.distribution.manifest.list.v2+json';
const MANIFEST_DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', INDEX_DOCKER]);
const MANIFEST_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', MANIFEST_DOCKER]);
const LAYER_TYPE = /^application\/vnd\.(oci\.image\.layer(\.nondistributable)?\.v1\.tar(\+gzip|\+zstd)?|docker\.image\.rootfs\.(foreign\.)?diff\.tar\.gzip)$/;

/**
 * A read-only view of an OCI image layout (the tsimg store, or any `skopeo copy oci:` output):
 * resolves an image name or digest to its manifest, config and layer blobs for linux/amd64.
 * Digests from JSON are checked against a strict pattern before they become paths.
 */
export class OciLayout {
  constructor(readonly root: string) {}

  blobPath(digest: string): string {
    if (!DIGEST.test(digest)) throw new ImageLookupError(`${JSON.stringify(digest)} is not a sha256 digest`);
    return join(this.root, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  /** Reads a JSON blob and checks it against its image-spec schema (the error names the blob and the JSON path). */
  readJsonBlob<T>(desc: Descriptor, what: string, validate: (doc: unknown, source: string) => unknown): T {
    const path = this.blobPath(desc.digest);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing from the store' : `cannot be read (${(err as Error).message})`;
      throw new ImageLookupError(`the ${what} blob ${desc.digest} ${reason}; pull the image again`);
    }
    return parseImageDocument(text, validate, `the ${what} blob ${desc.digest} in ${this.root}`) as T;
  }

  resolve(image: string): ResolvedImage {
    const desc = this.findInIndex(image);
    const manifestDesc = INDEX_TYPES.has(desc.mediaType) ? this.pickPlatform(desc, image) : desc;
    if (!MANIFEST_TYPES.has(manifestDesc.mediaType)) throw new ImageLookupError(`${image}: unsupported manifest media type ${manifestDesc.mediaType}`);
    const manifest = this.readJsonBlob<ResolvedImage['manifest']>(manifestDesc, 'manifest', manifestDesc.mediaType === MANIFEST_DOCKER ? validateDockerManifest : validateImageManifest);
    const config = this.readJsonBlob<ImageConfig>(manifest.config, 'image config', validateImageConfig);
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== manifest.layers.length) {
      throw new ImageLookupError(`${image}: the manifest has ${manifest.layers.length} layers but the config lists ${diffIDs.length} diff_ids`);
    }
    const layers = manifest.layers.map((l, i) => {
      if (!LAYER_TYPE.test(l.mediaType)) throw new ImageLookupError(`${image}: layer ${l.digest} has unsupported media type ${l.mediaType}`);
      const diffID = diffIDs[i]!;
      if (!DIGEST.test(diffID)) throw new ImageLookupError(`${image}: diff_id ${JSON.stringify(diffID)} is not a sha256 digest`);
      const path = this.blobPath(l.digest);
      if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw new ImageLookupError(`${image}: layer blob ${l.digest} is missing from the store; pull the image again`);
      return { digest: l.digest, mediaType: l.mediaType, path, diffID };
    });
    return { manifestDigest: manifestDesc.digest, manifest, config, layers };
  }

  private findInIndex(image: string): Descriptor {
    let index: { manifests?: Descriptor[] };
    try {
      index = JSON.parse(readFileSync(join(this.root, 'index.json'), 'utf8'));
    } catch {
      throw new ImageLookupError(`no image store at ${this.root} (index.json is missing or unreadable); pull an image first or pass --root`);
    }
    const manifests = index.manifests ?? [];
    const refName = (d: Descriptor) => d.annotations?.['org.opencontainers.image.ref.name'];
    const withTag = /:[^/]+$/.test(image) ? image : `${image}:latest`;
    // tsimg pull names images by their full reference (docker.io/library/busybox:latest): a short
    // name a user types (busybox, busybox:1.36) is normalised the way pull normalised it.
    let full: string | undefined;
    try {
      full = formatReference(parseReference(image));
    } catch {
      full = undefined;
    }
    const match = DIGEST.test(image)
      ? manifests.find((d) => d.digest === image)
      : manifests.find((d) => refName(d) === image) ?? manifests.find((d) => refName(d) === withTag) ?? manifests.find((d) => full !== undefined && refName(d) === full);
    if (!match) throw new ImageLookupError(`image ${JSON.stringify(image)} is not in the store at ${this.root}; pull it first (tsimg pull ${image})`);
    return match;
  }

  private pickPlatform(indexDesc: Descriptor, image: string): Descriptor {
    const index = this.readJsonBlob<{ manifests?: Descriptor[] }>(indexDesc, 'image index', indexDesc.mediaType === INDEX_DOCKER ? validateDockerManifestList : validateImageIndex);
    const found = (index.manifests ?? []).find((d) => d.platform?.os === 'linux' && d.platform?.architecture === 'amd64');
    if (!found) throw new ImageLookupError(`${image}: the image index has no linux/amd64 manifest`);
    return INDEX_TYPES.has(found.mediaType) ? this.pickPlatform(found, image) : found;
  }
}
