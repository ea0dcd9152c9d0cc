// config.json `hooks` (config.md "POSIX-platform Hooks").

import { ArrayOfStrings, Env, FilePath } from './defs.ts';

export const hookSchema = {
  type: 'object',
  properties: {
    path: FilePath,
    args: ArrayOfStrings,
    env: Env,
    timeout: { type: 'integer', minimum: 1 },
  },
  required: ['path'],
} as const;

export const arrayOfHooksSchema = { type: 'array', items: hookSchema } as const;

export const hooksSchema = {
  type: 'object',
  properties: {
    /** Deprecated in favour of createRuntime/createContainer/startContainer, still honoured. */
    prestart: arrayOfHooksSchema,
    createRuntime: arrayOfHooksSchema,
    createContainer: arrayOfHooksSchema,
    startContainer: arrayOfHooksSchema,
    poststart: arrayOfHooksSchema,
    poststop: arrayOfHooksSchema,
  },
} as const;
