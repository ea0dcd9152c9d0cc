/**
 * Reads manifest bytes into an index or an image manifest, refusing what tsimg cannot use: schema 1,
 * unknown media types, a `mediaType` field that contradicts the Content-Type, descriptors without a
 * valid digest or size. The bytes themselves are kept: digests are over the exact bytes, never re-encoded JSON.
 */
import { checkDigest } from '../reference/parse.ts';
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

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'image'; mediaType: string; manifest: ImageManifest };

function checkDescriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object') throw new RegistryError(`${where}: not a descriptor object`);
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw new RegistryError(`${where}: descriptor has no mediaType`);
  if (typeof d.digest !== 'string') throw new RegistryError(`${where}: descriptor has no digest`);
  try {
    checkDigest(d.digest);
  } catch {
    throw new RegistryError(`${where}: descriptor digest "${d.digest}" is not a valid digest`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new RegistryError(`${where}: descriptor size ${String(d.size)} is not a non-negative integer`);
  return d as Descriptor;
}

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
  if (json.schemaVersion !== 2) throw new RegistryError(`${where}: schemaVersion ${String(json.schemaVersion)} is not 2`);
  if (isIndex(mediaType)) {
    if (!Array.isArray(json.manifests)) throw new RegistryError(`${where}: the index has no manifests list`);
    json.manifests.forEach((m, i) => checkDescriptor(m, `${where} manifests[${i}]`));
    return { kind: 'index', mediaType, index: json as unknown as ImageIndex };
  }
  if (isImageManifest(mediaType)) {
    checkDescriptor(json.config, `${where} config`);
    if (!Array.isArray(json.layers)) throw new RegistryError(`${where}: the manifest has no layers list`);
    json.layers.forEach((l, i) => checkDescriptor(l, `${where} layers[${i}]`));
    return { kind: 'image', mediaType, manifest: json as unknown as ImageManifest };
  }
  throw new RegistryError(`${where}: media type ${mediaType} is not an image manifest or index`);
}

export type { Platform };
