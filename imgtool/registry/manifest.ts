/**
 * Reads manifest bytes into an index or an image manifest, refusing what tsimg cannot use: schema 1,
 * unknown media types, a `mediaType` field that contradicts the Content-Type, and anything the image-spec
 * schemas refuse (spec/validate-image.ts: a missing digest, a size that is not an integer, ...). The bytes
 * themselves are kept: digests are over the exact bytes, never re-encoded JSON.
 */
import { validateDockerManifest, validateDockerManifestList, validateImageIndex, validateImageManifest } from '../../spec/validate-image.ts';
import type { Descriptor, Platform } from '../store/layout.ts';
import { RegistryError } from './errors.ts';
import { MediaType, isImageManifest, isIndex } from './media-types.ts';

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

const VALIDATORS: Record<string, (doc: unknown, source: string) => unknown> = {
  [MediaType.ociIndex]: validateImageIndex,
  [MediaType.dockerManifestList]: validateDockerManifestList,
  [MediaType.ociManifest]: validateImageManifest,
  [MediaType.dockerManifest]: validateDockerManifest,
};

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'image'; mediaType: string; manifest: ImageManifest };


/** `contentType` is the registry's Content-Type (or a store descriptor's mediaType); `where` names the source for errors. */
export function parseManifest(bytes: Buffer, contentType: string | undefined, where: string): ParsedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new RegistryError(`${where}: the manifest is not valid JSON`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new RegistryError(`${where}: the manifest is not a JSON object`);
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim();
  if (json.schemaVersion === 1 || header === MediaType.dockerSchema1 || header === MediaType.dockerSchema1Signed) {
    throw new RegistryError(`${where}: Docker schema 1 manifests are not supported (deprecated); push the image again with a current client`);
  }
  // OCI manifests may omit mediaType; then the Content-Type decides, and failing that the shape.
  let mediaType = declared ?? (header && (isIndex(header) || isImageManifest(header)) ? header : undefined);
  if (!mediaType) mediaType = Array.isArray(json.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
  if (header && declared && header !== declared && (isIndex(header) || isImageManifest(header))) {
    throw new RegistryError(`${where}: Content-Type ${header} contradicts the manifest's mediaType ${declared}`);
  }
  // The shape is checked by the image-spec schemas (spec/), so an error names the JSON path: layers[0].digest: ...
  const validate = VALIDATORS[mediaType];
  if (!validate) throw new RegistryError(`${where}: media type ${mediaType} is not an image manifest or index`);
  validate(json, where);
  if (isIndex(mediaType)) return { kind: 'index', mediaType, index: json as unknown as ImageIndex };
  return { kind: 'image', mediaType, manifest: json as unknown as ImageManifest };
}

export type { Platform };
