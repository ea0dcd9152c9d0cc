// The `linux` object of config.json (config-linux.md), and
// `linux.resources`, which is also the document `runc update -r` reads.

import {
  ArrayOfIDMappings,
  ArrayOfStrings,
  FilePath,
  FileMode,
  FileType,
  GID,
  Major,
  Minor,
  NamespaceType,
  SeccompAction,
  SeccompArch,
  SeccompFlag,
  SeccompOperator,
  UID,
  int64,
  mapStringString,
  uint16,
  uint32,
  uint64,
} from './defs.ts';

// ---- namespaces, devices -----------------------------------------------

export const namespaceSchema = {
  type: 'object',
  properties: {
    type: NamespaceType,
    path: FilePath,
  },
  required: ['type'],
} as const;

export const deviceSchema = {
  type: 'object',
  properties: {
    type: FileType,
    path: FilePath,
    fileMode: FileMode,
    major: Major,
    minor: Minor,
    uid: UID,
    gid: GID,
  },
  required: ['type', 'path'],
} as const;

// ---- resources ------------------------------------------------------------

/** Device cgroup rule (type is "a", "b" or "c"; the spec leaves it a string). */
export const deviceCgroupSchema = {
  type: 'object',
  properties: {
    allow: { type: 'boolean' },
    type: { type: 'string' },
    major: Major,
    minor: Minor,
    access: { type: 'string' },
  },
  required: ['allow'],
} as const;

export const memorySchema = {
  type: 'object',
  properties: {
    limit: int64,
    reservation: int64,
    swap: int64,
    kernel: int64,
    kernelTCP: int64,
    swappiness: uint64,
    disableOOMKiller: { type: 'boolean' },
    useHierarchy: { type: 'boolean' },
    checkBeforeUpdate: { type: 'boolean' },
  },
} as const;

export const cpuSchema = {
  type: 'object',
  properties: {
    shares: uint64,
    quota: int64,
    burst: uint64,
    period: uint64,
    realtimeRuntime: int64,
    realtimePeriod: uint64,
    cpus: { type: 'string' },
    mems: { type: 'string' },
    idle: int64,
  },
} as const;

export const pidsSchema = {
  type: 'object',
  properties: { limit: int64 },
  required: ['limit'],
} as const;

/**
 * blkio weights. defs-linux.json restricts them to 10..1000, but Docker sends
 * `weight: 0` to mean "unset" and runc treats 0 that way, so any uint16 is
 * accepted here; the cgroup layer decides what 0 means.
 */
const blkioWeight = uint16;

export const blockIODeviceWeightSchema = {
  type: 'object',
  properties: {
    major: Major,
    minor: Minor,
    weight: blkioWeight,
    leafWeight: blkioWeight,
  },
  required: ['major', 'minor'],
} as const;

export const blockIODeviceThrottleSchema = {
  type: 'object',
  properties: {
    major: Major,
    minor: Minor,
    rate: uint64,
  },
  required: ['major', 'minor'],
} as const;

const throttleList = { type: 'array', items: blockIODeviceThrottleSchema } as const;

export const blockIOSchema = {
  type: 'object',
  properties: {
    weight: blkioWeight,
    leafWeight: blkioWeight,
    weightDevice: { type: 'array', items: blockIODeviceWeightSchema },
    throttleReadBpsDevice: throttleList,
    throttleWriteBpsDevice: throttleList,
    throttleReadIOPSDevice: throttleList,
    throttleWriteIOPSDevice: throttleList,
  },
} as const;

export const hugepageLimitSchema = {
  type: 'object',
  properties: {
    pageSize: { type: 'string' },
    limit: uint64,
  },
  required: ['pageSize', 'limit'],
} as const;

export const networkSchema = {
  type: 'object',
  properties: {
    classID: uint32,
    priorities: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          priority: uint32,
        },
        required: ['name', 'priority'],
      },
    },
  },
} as const;

export const rdmaSchema = {
  type: 'object',
  patternProperties: {
    '.{1,}': {
      type: 'object',
      properties: {
        hcaHandles: uint32,
        hcaObjects: uint32,
      },
    },
  },
} as const;

export const linuxResourcesSchema = {
  type: 'object',
  properties: {
    devices: { type: 'array', items: deviceCgroupSchema },
    memory: memorySchema,
    cpu: cpuSchema,
    blockIO: blockIOSchema,
    hugepageLimits: { type: 'array', items: hugepageLimitSchema },
    network: networkSchema,
    pids: pidsSchema,
    rdma: rdmaSchema,
    unified: mapStringString,
  },
} as const;

// ---- seccomp ----------------------------------------------------------------

export const syscallArgSchema = {
  type: 'object',
  properties: {
    index: uint32,
    value: uint64,
    valueTwo: uint64,
    op: SeccompOperator,
  },
  required: ['index', 'value', 'op'],
} as const;

export const syscallSchema = {
  type: 'object',
  properties: {
    names: { type: 'array', items: { type: 'string' }, minItems: 1 },
    action: SeccompAction,
    errnoRet: uint32,
    args: { type: 'array', items: syscallArgSchema },
  },
  required: ['names', 'action'],
} as const;

export const seccompSchema = {
  type: 'object',
  properties: {
    defaultAction: SeccompAction,
    defaultErrnoRet: uint32,
    flags: { type: 'array', items: SeccompFlag },
    listenerPath: FilePath,
    listenerMetadata: { type: 'string' },
    architectures: { type: 'array', items: SeccompArch },
    syscalls: { type: 'array', items: syscallSchema },
  },
  required: ['defaultAction'],
} as const;

// ---- the rest of `linux` ------------------------------------------------------

export const intelRdtSchema = {
  type: 'object',
  properties: {
    closID: { type: 'string' },
    l3CacheSchema: { type: 'string' },
    memBwSchema: { type: 'string', pattern: '^MB:[^\\n]*$' },
    schemata: ArrayOfStrings,
    enableMonitoring: { type: 'boolean' },
    enableCMT: { type: 'boolean' },
    enableMBM: { type: 'boolean' },
  },
} as const;

export const personalitySchema = {
  type: 'object',
  properties: {
    domain: { type: 'string', enum: ['LINUX', 'LINUX32'] },
    flags: ArrayOfStrings,
  },
} as const;

export const timeOffsetSchema = {
  type: 'object',
  properties: {
    secs: int64,
    nanosecs: uint32,
  },
} as const;

export const timeOffsetsSchema = {
  type: 'object',
  patternProperties: {
    '^(monotonic|boottime)$': timeOffsetSchema,
  },
} as const;

/**
 * The spec lists private, shared, slave and unbindable; runc also accepts the
 * recursive r-variants (containerd's CRI plugin sends "rslave"/"rshared") and
 * the empty string (= leave the default), so we do too.
 */
export const rootfsPropagationSchema = {
  type: 'string',
  enum: ['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable', ''],
} as const;

export const memoryPolicySchema = {
  type: 'object',
  properties: {
    mode: {
      type: 'string',
      enum: [
        'MPOL_DEFAULT',
        'MPOL_BIND',
        'MPOL_INTERLEAVE',
        'MPOL_WEIGHTED_INTERLEAVE',
        'MPOL_PREFERRED',
        'MPOL_PREFERRED_MANY',
        'MPOL_LOCAL',
      ],
    },
    nodes: { type: 'string' },
    flags: {
      type: 'array',
      items: {
        type: 'string',
        enum: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'],
      },
    },
  },
  required: ['mode'],
} as const;

export const netDeviceSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
  },
} as const;

export const netDevicesSchema = {
  type: 'object',
  patternProperties: { '.{1,}': netDeviceSchema },
} as const;

export const linuxSchema = {
  type: 'object',
  properties: {
    namespaces: { type: 'array', items: namespaceSchema },
    uidMappings: ArrayOfIDMappings,
    gidMappings: ArrayOfIDMappings,
    timeOffsets: timeOffsetsSchema,
    devices: { type: 'array', items: deviceSchema },
    netDevices: netDevicesSchema,
    cgroupsPath: { type: 'string' },
    resources: linuxResourcesSchema,
    intelRdt: intelRdtSchema,
    sysctl: mapStringString,
    seccomp: seccompSchema,
    rootfsPropagation: rootfsPropagationSchema,
    maskedPaths: ArrayOfStrings,
    readonlyPaths: ArrayOfStrings,
    mountLabel: { type: 'string' },
    personality: personalitySchema,
    memoryPolicy: memoryPolicySchema,
  },
} as const;
