// The `process` object of config.json (config.md "Process"), also the
// document `runc exec --process process.json` reads.

import {
  ArrayOfCapabilities,
  ArrayOfGIDs,
  ArrayOfStrings,
  Env,
  GID,
  UID,
  Umask,
  int32,
  uint64,
} from './defs.ts';

export const consoleSizeSchema = {
  type: 'object',
  properties: {
    height: uint64,
    width: uint64,
  },
  required: ['height', 'width'],
} as const;

/** POSIX user (uid/gid REQUIRED on POSIX); `username` is the Windows form. */
export const userSchema = {
  type: 'object',
  properties: {
    uid: UID,
    gid: GID,
    umask: Umask,
    additionalGids: ArrayOfGIDs,
    username: { type: 'string' },
  },
  required: ['uid', 'gid'],
} as const;

export const capabilitiesSchema = {
  type: 'object',
  properties: {
    bounding: ArrayOfCapabilities,
    permitted: ArrayOfCapabilities,
    effective: ArrayOfCapabilities,
    inheritable: ArrayOfCapabilities,
    ambient: ArrayOfCapabilities,
  },
} as const;

export const rlimitSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', pattern: '^RLIMIT_[A-Z]+$' },
    soft: uint64,
    hard: uint64,
  },
  required: ['type', 'soft', 'hard'],
} as const;

export const schedulerSchema = {
  type: 'object',
  properties: {
    policy: {
      type: 'string',
      enum: [
        'SCHED_OTHER',
        'SCHED_FIFO',
        'SCHED_RR',
        'SCHED_BATCH',
        'SCHED_ISO',
        'SCHED_IDLE',
        'SCHED_DEADLINE',
      ],
    },
    nice: int32,
    priority: int32,
    flags: {
      type: 'array',
      items: {
        type: 'string',
        enum: [
          'SCHED_FLAG_RESET_ON_FORK',
          'SCHED_FLAG_RECLAIM',
          'SCHED_FLAG_DL_OVERRUN',
          'SCHED_FLAG_KEEP_POLICY',
          'SCHED_FLAG_KEEP_PARAMS',
          'SCHED_FLAG_UTIL_CLAMP_MIN',
          'SCHED_FLAG_UTIL_CLAMP_MAX',
        ],
      },
    },
    runtime: uint64,
    deadline: uint64,
    period: uint64,
  },
  required: ['policy'],
} as const;

export const ioPrioritySchema = {
  type: 'object',
  properties: {
    class: { type: 'string', enum: ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] },
    priority: int32,
  },
  required: ['class'],
} as const;

/** CPU list strings such as "0-3,7". */
const cpuList = { type: 'string', pattern: '^[0-9, -]*$' } as const;

export const execCPUAffinitySchema = {
  type: 'object',
  properties: {
    initial: cpuList,
    final: cpuList,
  },
} as const;

/**
 * `args` is OPTIONAL only on Windows (where `commandLine` may replace it);
 * tsrun is a Linux runtime, so we require it.
 */
export const processSchema = {
  type: 'object',
  properties: {
    terminal: { type: 'boolean' },
    consoleSize: consoleSizeSchema,
    cwd: { type: 'string' },
    env: Env,
    args: ArrayOfStrings,
    commandLine: { type: 'string' },
    user: userSchema,
    capabilities: capabilitiesSchema,
    rlimits: { type: 'array', items: rlimitSchema },
    apparmorProfile: { type: 'string' },
    oomScoreAdj: { type: 'integer' },
    selinuxLabel: { type: 'string' },
    noNewPrivileges: { type: 'boolean' },
    scheduler: schedulerSchema,
    ioPriority: ioPrioritySchema,
    execCPUAffinity: execCPUAffinitySchema,
  },
  required: ['cwd', 'args'],
} as const;
