// Top-level runtime configuration, config.json (config.md).
//
// Objects are left open (no `additionalProperties: false`): the spec allows
// extensions and real clients send fields newer or older than this schema.

import { FilePath, annotations, ociVersion } from './defs.ts';
import { hooksSchema } from './hooks.schema.ts';
import { linuxSchema } from './linux.schema.ts';
import { mountsSchema } from './mounts.schema.ts';
import { processSchema } from './process.schema.ts';

export const rootSchema = {
  type: 'object',
  properties: {
    path: FilePath,
    readonly: { type: 'boolean' },
  },
  required: ['path'],
} as const;

/** config-vm.md; only checked for shape, tsrun does not run VMs. */
export const vmSchema = {
  type: 'object',
  properties: {
    hypervisor: {
      type: 'object',
      properties: {
        path: FilePath,
        parameters: { type: 'array', items: { type: 'string' } },
      },
      required: ['path'],
    },
    kernel: {
      type: 'object',
      properties: {
        path: FilePath,
        parameters: { type: 'array', items: { type: 'string' } },
        initrd: FilePath,
      },
      required: ['path'],
    },
    image: {
      type: 'object',
      properties: {
        path: FilePath,
        format: { type: 'string', enum: ['raw', 'qcow2', 'vdi', 'vmdk', 'vhd'] },
      },
      required: ['path', 'format'],
    },
  },
  required: ['kernel'],
} as const;

export const configSchema = {
  type: 'object',
  properties: {
    ociVersion,
    root: rootSchema,
    mounts: mountsSchema,
    process: processSchema,
    hostname: { type: 'string' },
    domainname: { type: 'string' },
    hooks: hooksSchema,
    annotations,
    linux: linuxSchema,
    // Other platforms: tsrun is Linux-only; these are only required to be objects.
    solaris: { type: 'object' },
    windows: { type: 'object' },
    vm: vmSchema,
    zos: { type: 'object' },
  },
  required: ['ociVersion'],
} as const;
