// The architectures the compiler has syscall tables for, and which of them a
// host's kernel can report in seccomp_data.arch.

import { AARCH64_SYSCALLS } from './tables/aarch64.ts';
import { ARM_SYSCALLS } from './tables/arm.ts';
import { X32_SYSCALLS } from './tables/x32.ts';
import { X86_SYSCALLS } from './tables/x86.ts';
import { X86_64_SYSCALLS } from './tables/x86_64.ts';

// linux/audit.h: EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000)
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
export const AUDIT_ARCH_ARM = 0x40000028;

export const X32_SYSCALL_BIT = 0x40000000;

export type ArchName = 'SCMP_ARCH_X86_64' | 'SCMP_ARCH_X86' | 'SCMP_ARCH_X32' | 'SCMP_ARCH_AARCH64' | 'SCMP_ARCH_ARM';

export interface ArchDef {
  name: ArchName;
  /** seccomp_data.arch for this ABI (x32 shares x86_64's). */
  audit: number;
  /**
   * Width of argument comparisons. libseccomp compares only the low 32 bits
   * of an argument on 32-bit ABIs, x32 included (its arch_def says
   * ARCH_SIZE_32), and both halves on 64-bit ones.
   */
  bits: 32 | 64;
  table: Readonly<Record<string, number>>;
  /** Multiplexer syscalls (i386): socket and SysV IPC calls also go through these. */
  socketcall?: number;
  ipc?: number;
}

export const ARCHES: Readonly<Record<ArchName, ArchDef>> = {
  SCMP_ARCH_X86_64: { name: 'SCMP_ARCH_X86_64', audit: AUDIT_ARCH_X86_64, bits: 64, table: X86_64_SYSCALLS },
  SCMP_ARCH_X86: {
    name: 'SCMP_ARCH_X86',
    audit: AUDIT_ARCH_I386,
    bits: 32,
    table: X86_SYSCALLS,
    socketcall: X86_SYSCALLS.socketcall!,
    ipc: X86_SYSCALLS.ipc!,
  },
  SCMP_ARCH_X32: { name: 'SCMP_ARCH_X32', audit: AUDIT_ARCH_X86_64, bits: 32, table: X32_SYSCALLS },
  SCMP_ARCH_AARCH64: { name: 'SCMP_ARCH_AARCH64', audit: AUDIT_ARCH_AARCH64, bits: 64, table: AARCH64_SYSCALLS },
  // From libseccomp's table: there is no 32-bit ARM header here (scripts/gen-syscall-tables.ts).
  SCMP_ARCH_ARM: { name: 'SCMP_ARCH_ARM', audit: AUDIT_ARCH_ARM, bits: 32, table: ARM_SYSCALLS },
};

export type HostArch = 'x86_64' | 'aarch64';

/** The native ABI first, then the others this host's kernel can run. */
export const HOST_FAMILIES: Readonly<Record<HostArch, readonly ArchName[]>> = {
  x86_64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  aarch64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

export function hostArch(): HostArch | undefined {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  return undefined;
}

/** linux/net.h SYS_* (socketcall's first argument), in libseccomp's list order. */
export const SOCKETCALL_SUBCALLS: Readonly<Record<string, number>> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8,
  send: 9, recv: 10, sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15, sendmsg: 16,
  recvmsg: 17, accept4: 18, recvmmsg: 19, sendmmsg: 20,
};

/** linux/ipc.h call numbers (ipc's first argument). */
export const IPC_SUBCALLS: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
};
