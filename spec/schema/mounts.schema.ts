// Entries of config.json `mounts` (config.md "Mounts").

import { ArrayOfIDMappings, ArrayOfStrings, FilePath } from './defs.ts';

export const mountSchema = {
  type: 'object',
  properties: {
    destination: { type: 'string' },
    source: FilePath,
    options: ArrayOfStrings,
    type: { type: 'string' },
    uidMappings: ArrayOfIDMappings,
    gidMappings: ArrayOfIDMappings,
  },
  required: ['destination'],
} as const;

export const mountsSchema = { type: 'array', items: mountSchema } as const;
