// The `features` document (features.md, features-linux.md).
//
// Lists of names (seccomp actions, hooks, mount options, ...) are plain
// strings: a runtime may report values newer than this schema knows.

import { ArrayOfStrings, annotations, ociVersion } from './defs.ts';

const enabled = { type: 'boolean' } as const;
const enabledOnly = { type: 'object', properties: { enabled } } as const;

export const cgroupFeaturesSchema = {
  type: 'object',
  properties: {
    v1: { type: 'boolean' },
    v2: { type: 'boolean' },
    systemd: { type: 'boolean' },
    systemdUser: { type: 'boolean' },
    rdma: { type: 'boolean' },
  },
} as const;

export const seccompFeaturesSchema = {
  type: 'object',
  properties: {
    enabled,
    actions: ArrayOfStrings,
    operators: ArrayOfStrings,
    archs: ArrayOfStrings,
    knownFlags: ArrayOfStrings,
    supportedFlags: ArrayOfStrings,
  },
} as const;

export const linuxFeaturesSchema = {
  type: 'object',
  properties: {
    namespaces: ArrayOfStrings,
    capabilities: ArrayOfStrings,
    cgroup: cgroupFeaturesSchema,
    seccomp: seccompFeaturesSchema,
    apparmor: enabledOnly,
    selinux: enabledOnly,
    intelRdt: {
      type: 'object',
      properties: { enabled, schemata: { type: 'boolean' } },
    },
    memoryPolicy: {
      type: 'object',
      properties: { modes: ArrayOfStrings, flags: ArrayOfStrings },
    },
    mountExtensions: {
      type: 'object',
      properties: { idmap: enabledOnly },
    },
    netDevices: enabledOnly,
  },
} as const;

export const featuresSchema = {
  type: 'object',
  properties: {
    ociVersionMin: ociVersion,
    ociVersionMax: ociVersion,
    hooks: ArrayOfStrings,
    mountOptions: ArrayOfStrings,
    linux: linuxFeaturesSchema,
    annotations,
    potentiallyUnsafeConfigAnnotations: ArrayOfStrings,
  },
  required: ['ociVersionMin', 'ociVersionMax'],
} as const;
