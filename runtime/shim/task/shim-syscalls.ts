import { createRequire } from 'node:module';

/**
 * The few calls the shim needs that Node lacks, through koffi (as runtime/fd-passing does):
 * becoming a child subreaper, reaping one given child, mounting a task's rootfs and unmounting it.
 */
interface ShimLibc {
  prctl: (option: number, arg2: number, arg3: number, arg4: number, arg5: number) => number;
  waitpid: (pid: number, status: Int32Array, options: number) => number;
  mount: (source: string, target: string, fstype: string | null, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  pipe2: (fds: number[], flags: number) => number;
  errno: () => number;
}

let libc: ShimLibc | undefined;

export function shimLibc(): ShimLibc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  libc = {
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)') as ShimLibc['prctl'],
    waitpid: lib.func('int waitpid(int, _Out_ int *status, int)') as unknown as ShimLibc['waitpid'],
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const char *)') as ShimLibc['mount'],
    umount2: lib.func('int umount2(const char *, int)') as ShimLibc['umount2'],
    pipe2: lib.func('int pipe2(_Out_ int *fds, int)') as unknown as ShimLibc['pipe2'],
    errno: () => koffi.errno(),
  };
  return libc;
}

export function errnoName(code: number): string {
  const os = process.getBuiltinModule('node:os') as typeof import('node:os');
  return Object.entries(os.constants.errno).find(([, n]) => n === code)?.[0] ?? `errno ${code}`;
}

const O_CLOEXEC = 0o2000000;

/** A pipe, both ends close-on-exec (Node has none of its own): [read end, write end]. */
export function makePipe(): [number, number] {
  const fds = [-1, -1];
  if (shimLibc().pipe2(fds, O_CLOEXEC) !== 0) throw new Error(`pipe2: ${errnoName(shimLibc().errno())}`);
  return [fds[0]!, fds[1]!];
}
