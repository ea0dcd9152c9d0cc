// Types derived from the schemas with json-schema-to-ts.
//
// Every object schema is open (no additionalProperties: false), so each derived
// object type carries an `[x: string]: unknown` index signature next to its
// declared properties: extra fields are allowed but typed `unknown`.

import type { FromSchema } from 'json-schema-to-ts';
import type { configSchema, rootSchema } from './schema/config.schema.ts';
import type { featuresSchema } from './schema/features.schema.ts';
import type { hookSchema, hooksSchema } from './schema/hooks.schema.ts';
import type { IDMapping } from './schema/defs.ts';
import type {
  deviceSchema,
  linuxResourcesSchema,
  linuxSchema,
  namespaceSchema,
  seccompSchema,
} from './schema/linux.schema.ts';
import type { mountSchema } from './schema/mounts.schema.ts';
import type {
  capabilitiesSchema,
  processSchema,
  rlimitSchema,
  userSchema,
} from './schema/process.schema.ts';
import type { stateSchema } from './schema/state.schema.ts';

export type RuntimeConfig = FromSchema<typeof configSchema>;

export type Process = FromSchema<typeof processSchema>;
export type User = FromSchema<typeof userSchema>;
export type LinuxCapabilities = FromSchema<typeof capabilitiesSchema>;
export type Rlimit = FromSchema<typeof rlimitSchema>;
export type Root = FromSchema<typeof rootSchema>;
export type Mount = FromSchema<typeof mountSchema>;
export type Hook = FromSchema<typeof hookSchema>;
export type Hooks = FromSchema<typeof hooksSchema>;
export type Linux = FromSchema<typeof linuxSchema>;
export type LinuxResources = FromSchema<typeof linuxResourcesSchema>;
export type LinuxNamespace = FromSchema<typeof namespaceSchema>;
export type LinuxDevice = FromSchema<typeof deviceSchema>;
export type LinuxSeccomp = FromSchema<typeof seccompSchema>;
export type IdMapping = FromSchema<typeof IDMapping>;
export type RuntimeState = FromSchema<typeof stateSchema>;
export type Features = FromSchema<typeof featuresSchema>;

export type NamespaceType = LinuxNamespace['type'];
export type ContainerStatus = RuntimeState['status'];
