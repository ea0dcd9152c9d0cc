/**
 * The store holds OCI media types only, as skopeo's and umoci's OCI layout readers require (skopeo skips
 * index.json entries with Docker media types). A Docker schema 2 manifest or manifest list is rewritten
 * with the matching OCI types, as `skopeo copy docker://... oci:...` does: the layer and config bytes stay
 * as they are (a Docker gzip layer is an OCI gzip layer; the config JSON is compatible), only the manifest
 * bytes change, and with them the manifest digest.
 */
import { MediaType } from '../registry/media-types.ts';
import { sha256Digest } from './digest.ts';
import type { Descriptor } from './layout.ts';

const LAYER_TYPES: Record<string, string> = {
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar': MediaType.ociLayer,
};

export interface ConvertedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

function retype(d: Descriptor, table: Record<string, string>): Descriptor {
  return { ...d, mediaType: table[d.mediaType] ?? d.mediaType };
}

export function dockerManifestToOci(bytes: Buffer): ConvertedManifest {
  const m = JSON.parse(bytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[]; annotations?: Record<string, string> };
  const oci = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: retype(m.config, { [MediaType.dockerConfig]: MediaType.ociConfig }),
    layers: m.layers.map((l) => retype(l, LAYER_TYPES)),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
  const out = Buffer.from(JSON.stringify(oci));
  return { bytes: out, mediaType: MediaType.ociManifest, digest: sha256Digest(out) };
}

/** An index (Docker list or OCI) with its entries replaced by their converted descriptors, keyed by original digest. */
export function indexToOci(bytes: Buffer, children: Map<string, Descriptor>): ConvertedManifest {
  const list = JSON.parse(bytes.toString('utf8')) as { manifests: Descriptor[]; annotations?: Record<string, string> };
  const oci = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: list.manifests.map((d) => {
      const converted = children.get(d.digest);
      return converted ? { ...d, mediaType: converted.mediaType, digest: converted.digest, size: converted.size } : d;
    }),
    ...(list.annotations ? { annotations: list.annotations } : {}),
  };
  const out = Buffer.from(JSON.stringify(oci));
  return { bytes: out, mediaType: MediaType.ociIndex, digest: sha256Digest(out) };
}
