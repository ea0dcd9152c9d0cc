// Image configuration (image-spec config.md). Docker's config (application/vnd.docker.container.image.v1+json)
// has the same shape for every field here, so one schema serves both.

import { platformFields } from './descriptor.schema.ts';
import { digest } from './image-defs.ts';

/** Docker writes null for empty lists and maps; config.md does not forbid it, and readers treat it as absent. */
const stringsOrNull = { type: ['array', 'null'], items: { type: 'string' } } as const;
const mapOrNull = { type: ['object', 'null'], patternProperties: { '.{1,}': { type: 'string' } } } as const;
/** ExposedPorts and Volumes: sets written as maps to empty objects. */
const setOrNull = { type: ['object', 'null'], additionalProperties: { type: 'object' } } as const;

export const executionConfigSchema = {
  type: 'object',
  properties: {
    User: { type: 'string' },
    ExposedPorts: setOrNull,
    Env: stringsOrNull,
    Entrypoint: stringsOrNull,
    Cmd: stringsOrNull,
    Volumes: setOrNull,
    WorkingDir: { type: 'string' },
    Labels: mapOrNull,
    StopSignal: { type: 'string' },
    ArgsEscaped: { type: 'boolean' },
  },
} as const;

export const historySchema = {
  type: 'object',
  properties: {
    created: { type: 'string' },
    author: { type: 'string' },
    created_by: { type: 'string' },
    comment: { type: 'string' },
    empty_layer: { type: 'boolean' },
  },
} as const;

export const rootfsSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', const: 'layers' },
    diff_ids: { type: 'array', items: digest },
  },
  required: ['type', 'diff_ids'],
} as const;

export const imageConfigSchema = {
  type: 'object',
  properties: {
    // RFC 3339 date-time in the spec; not checked here (Go writes it, and a bad one harms nothing tsimg does).
    created: { type: 'string' },
    author: { type: 'string' },
    ...platformFields,
    config: executionConfigSchema,
    rootfs: rootfsSchema,
    history: { type: 'array', items: historySchema },
  },
  required: ['architecture', 'os', 'rootfs'],
} as const;
