import { createRequire } from 'node:module';
import { TsrunError } from '../cli/errors.ts';

/**
 * The few socket and terminal calls Node lacks (a socketpair, receiving a descriptor with
 * SCM_RIGHTS, setting a pty's window size), through koffi. Loaded only when tsrun itself is a
 * container's console, so no other command pays for the library.
 */
interface Libc {
  socketpair: (domain: number, type: number, protocol: number, sv: number[]) => number;
  recvmsg: (fd: number, msg: Record<string, unknown>, flags: number) => number | bigint;
  ioctlWinsize: (fd: number, request: number, ws: { row: number; col: number; xpixel: number; ypixel: number }) => number;
  errno: () => number;
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const TIOCSWINSZ = 0x5414;

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  // import.meta.url is the bundle's own file in dist/: koffi resolves from the project's node_modules.
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const iovec = koffi.struct('tsrun_iovec', { base: 'void *', len: 'size_t' });
  koffi.struct('tsrun_msghdr', {
    name: 'void *', namelen: 'uint32_t', iov: koffi.pointer(iovec), iovlen: 'size_t',
    control: 'void *', controllen: 'size_t', flags: 'int',
  });
  koffi.struct('tsrun_winsize', { row: 'uint16_t', col: 'uint16_t', xpixel: 'uint16_t', ypixel: 'uint16_t' });
  libc = {
    socketpair: lib.func('int socketpair(int, int, int, _Out_ int *sv)') as Libc['socketpair'],
    recvmsg: lib.func('long recvmsg(int, _Inout_ tsrun_msghdr *msg, int)') as Libc['recvmsg'],
    ioctlWinsize: lib.func('int ioctl(int, unsigned long, const tsrun_winsize *ws)') as Libc['ioctlWinsize'],
    errno: () => koffi.errno(),
  };
  return libc;
}

/** A connected pair of unix stream sockets, both close-on-exec. */
export function socketPair(): [number, number] {
  const sv = [-1, -1];
  if (load().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) throw new TsrunError(`socketpair: errno ${load().errno()}`);
  return [sv[0]!, sv[1]!];
}

/**
 * Blocks until one descriptor arrives on the socket (SCM_RIGHTS) and returns it; -1 when the peer
 * closed first. On a non-blocking socket with nothing there yet: undefined.
 */
export function receiveFd(sock: number): number | undefined {
  const data = Buffer.alloc(256);
  const control = Buffer.alloc(64);
  const msg = { name: null, namelen: 0, iov: [{ base: data, len: data.length }], iovlen: 1, control, controllen: control.length, flags: 0 };
  let n: number;
  for (;;) {
    n = Number(load().recvmsg(sock, msg, MSG_CMSG_CLOEXEC));
    if (n >= 0 || load().errno() !== 4 /* EINTR */) break;
  }
  if (n < 0 && load().errno() === 11 /* EAGAIN */) return undefined;
  if (n < 0) throw new TsrunError(`receiving the terminal from the container: errno ${load().errno()}`);
  if (n === 0) return -1;
  // struct cmsghdr: u64 len, i32 level, i32 type, then the descriptors.
  const len = Number(msg.controllen);
  if (len < 20 || control.readInt32LE(8) !== SOL_SOCKET || control.readInt32LE(12) !== SCM_RIGHTS)
    throw new TsrunError('receiving the terminal from the container: no descriptor came with the message');
  return control.readInt32LE(16);
}

export function setWindowSize(fd: number, rows: number, cols: number): void {
  load().ioctlWinsize(fd, TIOCSWINSZ, { row: rows, col: cols, xpixel: 0, ypixel: 0 });
}
