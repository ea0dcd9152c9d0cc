// Runtime state (runtime.md "State"), as printed by `state`.

import { annotations, ociVersion } from './defs.ts';

/** The four spec states, plus "paused", which runc reports (and clients expect). */
export const containerStatusSchema = {
  type: 'string',
  enum: ['creating', 'created', 'running', 'stopped', 'paused'],
} as const;

export const stateSchema = {
  type: 'object',
  properties: {
    ociVersion,
    id: { type: 'string', minLength: 1 },
    status: containerStatusSchema,
    pid: { type: 'integer', minimum: 0 },
    bundle: { type: 'string' },
    annotations,
  },
  required: ['ociVersion', 'id', 'status', 'bundle'],
} as const;
