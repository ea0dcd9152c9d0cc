// TypeScript types of the image-spec documents, derived from the schemas in ./schema (json-schema-to-ts),
// so a type and the validator that admits it cannot drift apart.

import type { FromSchema } from 'json-schema-to-ts';
import type { descriptorSchema, platformSchema } from './schema/descriptor.schema.ts';
import type { dockerManifestListSchema, dockerManifestSchema } from './schema/docker-manifest.schema.ts';
import type { imageConfigSchema } from './schema/image-config.schema.ts';
import type { imageIndexSchema, imageManifestSchema } from './schema/image-manifest.schema.ts';

export type OciDescriptor = FromSchema<typeof descriptorSchema>;
export type OciPlatform = FromSchema<typeof platformSchema>;
export type OciImageManifest = FromSchema<typeof imageManifestSchema>;
export type OciImageIndex = FromSchema<typeof imageIndexSchema>;
export type DockerManifest = FromSchema<typeof dockerManifestSchema>;
export type DockerManifestList = FromSchema<typeof dockerManifestListSchema>;
export type OciImageConfig = FromSchema<typeof imageConfigSchema>;
