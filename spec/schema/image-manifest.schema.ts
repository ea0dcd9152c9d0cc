// Image manifest (image-spec manifest.md) and image index (image-index.md).

import { annotations } from './defs.ts';
import { descriptorListSchema, descriptorSchema } from './descriptor.schema.ts';
import { mediaType } from './image-defs.ts';

/** "MUST be 2" in both documents. */
export const schemaVersion2 = { type: 'integer', const: 2 } as const;

export const imageManifestSchema = {
  type: 'object',
  properties: {
    schemaVersion: schemaVersion2,
    mediaType: { type: 'string', const: 'application/vnd.oci.image.manifest.v1+json' },
    artifactType: mediaType,
    config: descriptorSchema,
    // "SHOULD have at least one entry": a SHOULD, so an empty list is not refused.
    layers: descriptorListSchema,
    subject: descriptorSchema,
    annotations,
  },
  required: ['schemaVersion', 'config', 'layers'],
} as const;

export const imageIndexSchema = {
  type: 'object',
  properties: {
    schemaVersion: schemaVersion2,
    mediaType: { type: 'string', const: 'application/vnd.oci.image.index.v1+json' },
    artifactType: mediaType,
    // "MUST be present, the size of the array MAY be zero" (an OCI layout's index.json has the same shape).
    manifests: descriptorListSchema,
    subject: descriptorSchema,
    annotations,
  },
  required: ['schemaVersion', 'manifests'],
} as const;
