/**
 * The plan: an ordered list of operations that tsrun-init (runtime/native/tsrun-init.c) carries out.
 * TypeScript makes every decision; the helper only runs these. Opcodes mirror plan-ops.h.
 */
export const Op = {
  SETNS: 1,
  UNSHARE: 2,
  WRITE_FILE: 3,
  CLONE: 4,
  WAIT_GO: 5,
  OPEN_ROOT: 6,
  MOUNT: 7,
  MKNOD: 8,
  SYMLINK: 9,
  PIVOT_ROOT: 10,
  CHROOT: 11,
  MASK: 12,
  READONLY: 13,
  SETHOSTNAME: 14,
  SETDOMAINNAME: 15,
  SETRLIMIT: 16,
  PERSONALITY: 17,
  IDENTITY: 18,
  NO_NEW_PRIVS: 19,
  UMASK: 20,
  CHDIR: 21,
  OPEN_EXEC_FIFO: 22,
  WAIT_EXEC_FIFO: 23,
  READY: 24,
  PREPARE_EXEC: 25,
  EXEC: 26,
  CLOEXEC_FROM: 27,
  MKDIR: 28,
  SETSID: 29,
  BECOME_ROOT: 30,
  JOIN_SESSION_KEYRING: 31,
  SECCOMP: 32,
  OPEN_PROC: 33,
  PLAIN_CHROOT: 34,
  CONSOLE_SOCKET: 35,
  TERMINAL: 36,
  RUN_HOOK: 37,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** An argument is a string (bytes), a number (u64) or raw bytes. */
export type PlanArg = string | number | bigint | Uint8Array;
export interface PlanOp {
  op: OpCode;
  args: PlanArg[];
}

export const MountWhere = { HOST: 0, IN_ROOT: 1 } as const;
export const MountMkdir = { NONE: 0, DIR: 1, FILE: 2 } as const;

function encodeArg(arg: PlanArg): Buffer {
  if (typeof arg === 'string') return Buffer.from(arg, 'utf8');
  if (arg instanceof Uint8Array) return Buffer.from(arg);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(arg)));
  return b;
}

/** Encode as the helper reads it: u32 length, "TSP1", u32 count, then (u16 op, u16 argc, (u32 len, bytes)*)*. */
export function encodePlan(ops: readonly PlanOp[]): Buffer {
  const parts: Buffer[] = [Buffer.from('TSP1')];
  const count = Buffer.alloc(4);
  count.writeUInt32LE(ops.length);
  parts.push(count);
  for (const { op, args } of ops) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(op, 0);
    head.writeUInt16LE(args.length, 2);
    parts.push(head);
    for (const arg of args) {
      const bytes = encodeArg(arg);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(bytes.length);
      parts.push(len, bytes);
    }
  }
  const body = Buffer.concat(parts);
  const total = Buffer.alloc(4);
  total.writeUInt32LE(body.length);
  return Buffer.concat([total, body]);
}

/** Gids as the u32 little-endian array OP_IDENTITY expects. */
export function encodeGids(gids: readonly number[]): Uint8Array {
  const b = Buffer.alloc(gids.length * 4);
  gids.forEach((g, i) => b.writeUInt32LE(g, i * 4));
  return b;
}
