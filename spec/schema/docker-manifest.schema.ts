// Docker's image manifest v2 schema 2 and manifest list (distribution's manifest-v2-2.md), the two Docker
// shapes tsimg accepts from registries. Unlike OCI, mediaType is REQUIRED in both, and every manifest-list
// entry has a platform.

import { descriptorSchema, platformSchema } from './descriptor.schema.ts';
import { schemaVersion2 } from './image-manifest.schema.ts';

export const dockerManifestSchema = {
  type: 'object',
  properties: {
    schemaVersion: schemaVersion2,
    mediaType: { type: 'string', const: 'application/vnd.docker.distribution.manifest.v2+json' },
    config: descriptorSchema,
    layers: { type: 'array', items: descriptorSchema },
  },
  required: ['schemaVersion', 'mediaType', 'config', 'layers'],
} as const;

export const dockerManifestListEntrySchema = {
  ...descriptorSchema,
  required: ['mediaType', 'digest', 'size', 'platform'],
  properties: { ...descriptorSchema.properties, platform: platformSchema },
} as const;

export const dockerManifestListSchema = {
  type: 'object',
  properties: {
    schemaVersion: schemaVersion2,
    mediaType: { type: 'string', const: 'application/vnd.docker.distribution.manifest.list.v2+json' },
    manifests: { type: 'array', items: dockerManifestListEntrySchema },
  },
  required: ['schemaVersion', 'mediaType', 'manifests'],
} as const;
