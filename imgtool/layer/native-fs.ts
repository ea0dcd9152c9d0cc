import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';

/**
 * The file-system calls Node lacks, through koffi: mknod (device nodes, fifos, overlay whiteouts),
 * the l*xattr family (xattrs without following symlinks) and mount/umount2 (overlay bundles).
 * Loaded on first use so that commands which never touch them do not pay for koffi.
 */
interface Libc {
  mknod: (path: string, mode: number, dev: bigint) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number | bigint;
  llistxattr: (path: string, list: Buffer | null, size: number) => number | bigint;
  mount: (source: string, target: string, type: string | null, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  errno: () => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)') as Libc['mknod'],
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)') as Libc['lsetxattr'],
    lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)') as Libc['lgetxattr'],
    llistxattr: lib.func('long llistxattr(const char *path, _Out_ char *list, size_t size)') as Libc['llistxattr'],
    mount: lib.func('int mount(const char *source, const char *target, const char *type, unsigned long flags, const char *data)') as Libc['mount'],
    umount2: lib.func('int umount2(const char *target, int flags)') as Libc['umount2'],
    errno: () => koffi.errno(),
  };
  return libc;
}

/** An errno from a failed libc call, shaped like Node's own fs errors (code, syscall, path). */
export class SyscallError extends Error {
  constructor(readonly syscall: string, readonly code: string, readonly path: string) {
    super(`${syscall} ${path}: ${code}`);
  }
}

const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, num]) => [num, name]));

function fail(syscall: string, path: string): never {
  const errno = load().errno();
  throw new SyscallError(syscall, errnoNames.get(errno) ?? `errno ${errno}`, path);
}

/** glibc's makedev(): the 64-bit dev_t layout of Linux. */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  if (load().mknod(path, mode, makedev(major, minor)) !== 0) fail('mknod', path);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  if (load().lsetxattr(path, name, value, value.length, 0) !== 0) fail(`lsetxattr(${name})`, path);
}

/** The value of one xattr, or undefined when the file does not have it. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  for (;;) {
    const size = Number(c.lgetxattr(path, name, null, 0));
    if (size < 0) {
      if (errnoNames.get(c.errno()) === 'ENODATA') return undefined;
      fail(`lgetxattr(${name})`, path);
    }
    const value = Buffer.alloc(size);
    const got = Number(c.lgetxattr(path, name, value, size));
    if (got >= 0) return value.subarray(0, got);
    if (errnoNames.get(c.errno()) !== 'ERANGE') fail(`lgetxattr(${name})`, path); // grew meanwhile: retry
  }
}

export function llistxattr(path: string): string[] {
  const c = load();
  for (;;) {
    const size = Number(c.llistxattr(path, null, 0));
    if (size < 0) fail('llistxattr', path);
    if (size === 0) return [];
    const list = Buffer.alloc(size);
    const got = Number(c.llistxattr(path, list, size));
    if (got >= 0) return list.subarray(0, got).toString('latin1').split('\0').filter(Boolean).map((n) => Buffer.from(n, 'latin1').toString());
    if (errnoNames.get(c.errno()) !== 'ERANGE') fail('llistxattr', path);
  }
}

export function mount(source: string, target: string, type: string | null, flags: number, data: string | null): void {
  if (load().mount(source, target, type, flags, data) !== 0) fail(`mount(${type ?? 'bind'})`, target);
}

export const MNT_DETACH = 2;

export function umount2(target: string, flags = 0): void {
  if (load().umount2(target, flags) !== 0) fail('umount2', target);
}
