// Shared definitions of the OCI runtime-spec JSON Schema (schema/defs.json and
// schema/defs-linux.json in the runtime-spec repository), written as `as const`
// objects so json-schema-to-ts can derive types from them and Ajv can compile
// them at build time.
//
// Sub-schemas are composed by referencing these constants inline (no JSON
// `$ref`), so FromSchema needs no reference plumbing.

// ---- integer ranges ------------------------------------------------------

export const int8 = { type: 'integer', minimum: -128, maximum: 127 } as const;
export const int16 = { type: 'integer', minimum: -32768, maximum: 32767 } as const;
export const int32 = { type: 'integer', minimum: -2147483648, maximum: 2147483647 } as const;
export const int64 = {
  type: 'integer',
  minimum: -9223372036854775808,
  maximum: 9223372036854775807,
} as const;
export const uint8 = { type: 'integer', minimum: 0, maximum: 255 } as const;
export const uint16 = { type: 'integer', minimum: 0, maximum: 65535 } as const;
export const uint32 = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
export const uint64 = { type: 'integer', minimum: 0, maximum: 18446744073709551615 } as const;
export const percent = { type: 'integer', minimum: 0, maximum: 100 } as const;

// ---- strings and collections -------------------------------------------

/**
 * ociVersion: a SemVer 2.0 version. The spec's own schema only says "string";
 * we check the shape (MAJOR.MINOR.PATCH, optional pre-release and build
 * metadata). Which majors are accepted is decided by checkOciVersion().
 */
export const ociVersion = {
  type: 'string',
  pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$',
} as const;

export const FilePath = { type: 'string' } as const;
export const ArrayOfStrings = { type: 'array', items: { type: 'string' } } as const;
export const Env = ArrayOfStrings;

/** String-to-string map (annotations, sysctl, unified, ...). Keys must be non-empty. */
export const mapStringString = {
  type: 'object',
  patternProperties: { '.{1,}': { type: 'string' } },
} as const;
export const annotations = mapStringString;

export const UID = uint32;
export const GID = uint32;
export const Umask = uint32;
export const ArrayOfGIDs = { type: 'array', items: GID } as const;

// ---- linux-specific shared definitions (defs-linux.json) ----------------

export const Major = int64;
export const Minor = int64;

/**
 * File mode of a device node. defs-linux.json caps this at 512, which would
 * reject setuid/setgid/sticky bits; runc stores it as a uint32 (os.FileMode)
 * so we accept the whole uint32 range.
 */
export const FileMode = uint32;

/** Device node type: c (char), b (block), u (unbuffered char), p (FIFO). */
export const FileType = { type: 'string', enum: ['c', 'b', 'u', 'p'] } as const;

/** Listed in the order the runtime-spec lists them in config-linux.md. */
export const NamespaceType = {
  type: 'string',
  enum: ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'],
} as const;

export const Capability = { type: 'string', pattern: '^CAP_[A-Z_]+$' } as const;
export const ArrayOfCapabilities = { type: 'array', items: Capability } as const;

export const IDMapping = {
  type: 'object',
  properties: {
    containerID: UID,
    hostID: UID,
    size: uint32,
  },
  required: ['containerID', 'hostID', 'size'],
} as const;
export const ArrayOfIDMappings = { type: 'array', items: IDMapping } as const;

export const SeccompAction = {
  type: 'string',
  enum: [
    'SCMP_ACT_KILL',
    'SCMP_ACT_KILL_PROCESS',
    'SCMP_ACT_KILL_THREAD',
    'SCMP_ACT_TRAP',
    'SCMP_ACT_ERRNO',
    'SCMP_ACT_TRACE',
    'SCMP_ACT_ALLOW',
    'SCMP_ACT_LOG',
    'SCMP_ACT_NOTIFY',
  ],
} as const;

/**
 * The architectures the runtime-spec lists, plus the few further ones
 * libseccomp (and therefore runc) knows: LOONGARCH64, M68K, SH, SHEB.
 */
export const SeccompArch = {
  type: 'string',
  enum: [
    'SCMP_ARCH_X86',
    'SCMP_ARCH_X86_64',
    'SCMP_ARCH_X32',
    'SCMP_ARCH_ARM',
    'SCMP_ARCH_AARCH64',
    'SCMP_ARCH_MIPS',
    'SCMP_ARCH_MIPS64',
    'SCMP_ARCH_MIPS64N32',
    'SCMP_ARCH_MIPSEL',
    'SCMP_ARCH_MIPSEL64',
    'SCMP_ARCH_MIPSEL64N32',
    'SCMP_ARCH_PPC',
    'SCMP_ARCH_PPC64',
    'SCMP_ARCH_PPC64LE',
    'SCMP_ARCH_S390',
    'SCMP_ARCH_S390X',
    'SCMP_ARCH_PARISC',
    'SCMP_ARCH_PARISC64',
    'SCMP_ARCH_RISCV64',
    'SCMP_ARCH_LOONGARCH64',
    'SCMP_ARCH_M68K',
    'SCMP_ARCH_SH',
    'SCMP_ARCH_SHEB',
  ],
} as const;

export const SeccompOperator = {
  type: 'string',
  enum: [
    'SCMP_CMP_NE',
    'SCMP_CMP_LT',
    'SCMP_CMP_LE',
    'SCMP_CMP_EQ',
    'SCMP_CMP_GE',
    'SCMP_CMP_GT',
    'SCMP_CMP_MASKED_EQ',
  ],
} as const;

export const SeccompFlag = {
  type: 'string',
  enum: [
    'SECCOMP_FILTER_FLAG_TSYNC',
    'SECCOMP_FILTER_FLAG_LOG',
    'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
    'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
  ],
} as const;
