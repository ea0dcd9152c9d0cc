/** Media types a registry may answer a manifest request with, and which of them are lists of platforms. */
export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

export const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];
export const IMAGE_MANIFEST_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest];
export const MANIFEST_TYPES: readonly string[] = [...INDEX_TYPES, ...IMAGE_MANIFEST_TYPES];

/** Sent on every manifest request: the four schema 2 / OCI types, so the registry never downgrades to schema 1. */
export const MANIFEST_ACCEPT = MANIFEST_TYPES.join(', ');

export const isIndex = (mediaType: string): boolean => INDEX_TYPES.includes(mediaType);
export const isImageManifest = (mediaType: string): boolean => IMAGE_MANIFEST_TYPES.includes(mediaType);

/** A manifest larger than this is refused unread (containerd and the distribution spec use the same bound). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
