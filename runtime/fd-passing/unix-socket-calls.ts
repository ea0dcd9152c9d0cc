import { createRequire } from 'node:module';
import { TsrunError } from '../cli/errors.ts';

/**
 * The socket calls Node lacks, through koffi: a socketpair, connecting a unix socket by path
 * with a descriptor of our own, and sending or receiving a descriptor with SCM_RIGHTS (the pty
 * master of a terminal, a seccomp listener). Loaded only by the commands that pass descriptors,
 * so no other command pays for the library.
 */
interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  connect: (fd: number, addr: Buffer, len: number) => number;
  socketpair: (domain: number, type: number, protocol: number, sv: number[]) => number;
  recvmsg: (fd: number, msg: Record<string, unknown>, flags: number) => number | bigint;
  sendmsg: (fd: number, msg: Record<string, unknown>, flags: number) => number | bigint;
  ioctl: (fd: number, request: number, arg: Buffer) => number;
  poll: (fds: Buffer, n: number, timeoutMs: number) => number;
  close: (fd: number) => number;
  errno: () => number;
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const MSG_CMSG_CLOEXEC = 0x40000000;
const MSG_NOSIGNAL = 0x4000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const EINTR = 4;
const EAGAIN = 11;

let libc: Libc | undefined;

export function libcCalls(): Libc {
  if (libc) return libc;
  // import.meta.url is the bundle's own file in dist/: koffi resolves from the project's node_modules.
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const iovec = koffi.struct('tsrun_iovec', { base: 'void *', len: 'size_t' });
  koffi.struct('tsrun_msghdr', {
    name: 'void *', namelen: 'uint32_t', iov: koffi.pointer(iovec), iovlen: 'size_t',
    control: 'void *', controllen: 'size_t', flags: 'int',
  });
  libc = {
    socket: lib.func('int socket(int, int, int)') as Libc['socket'],
    connect: lib.func('int connect(int, const void *addr, uint32_t len)') as Libc['connect'],
    socketpair: lib.func('int socketpair(int, int, int, _Out_ int *sv)') as Libc['socketpair'],
    recvmsg: lib.func('long recvmsg(int, _Inout_ tsrun_msghdr *msg, int)') as Libc['recvmsg'],
    sendmsg: lib.func('long sendmsg(int, const tsrun_msghdr *msg, int)') as Libc['sendmsg'],
    ioctl: lib.func('int ioctl(int, unsigned long, _Inout_ void *arg)') as Libc['ioctl'],
    poll: lib.func('int poll(_Inout_ void *fds, unsigned long n, int timeout)') as Libc['poll'],
    close: lib.func('int close(int)') as Libc['close'],
    errno: () => koffi.errno(),
  };
  return libc;
}

function sysError(what: string): TsrunError {
  const code = libcCalls().errno();
  const name = Object.entries((process.getBuiltinModule('node:os') as typeof import('node:os')).constants.errno).find(([, n]) => n === code)?.[0];
  return new TsrunError(`${what}: ${name ?? `errno ${code}`}`);
}

/** A connected pair of unix stream sockets, both close-on-exec. */
export function socketPair(): [number, number] {
  const sv = [-1, -1];
  if (libcCalls().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) throw sysError('socketpair');
  return [sv[0]!, sv[1]!];
}

/** A unix stream socket connected to path (a descriptor of our own, blocking). */
export function connectUnix(path: string): number {
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) > 107) throw new TsrunError(`${path}: too long for a unix socket path`);
  addr.write(path, 2);
  const fd = libcCalls().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError('socket');
  if (libcCalls().connect(fd, addr, 2 + Buffer.byteLength(path) + 1) !== 0) {
    const err = sysError(`connecting to ${path}`);
    libcCalls().close(fd);
    throw err;
  }
  return fd;
}

/** Sends data with one descriptor attached (SCM_RIGHTS), in one sendmsg. */
export function sendFd(sock: number, fd: number, data: Buffer): void {
  const control = Buffer.alloc(24); // struct cmsghdr (u64 len, i32 level, i32 type) + one int, aligned
  control.writeBigUInt64LE(20n, 0);
  control.writeInt32LE(SOL_SOCKET, 8);
  control.writeInt32LE(SCM_RIGHTS, 12);
  control.writeInt32LE(fd, 16);
  const msg = { name: null, namelen: 0, iov: [{ base: data, len: data.length }], iovlen: 1, control, controllen: control.length, flags: 0 };
  let n: number;
  do n = Number(libcCalls().sendmsg(sock, msg, MSG_NOSIGNAL)); while (n < 0 && libcCalls().errno() === EINTR);
  if (n < 0) throw sysError('sendmsg');
  if (n !== data.length) throw new TsrunError(`sendmsg: sent ${n} of ${data.length} bytes`);
}

/**
 * Blocks until one descriptor arrives on the socket (SCM_RIGHTS) and returns it with the bytes
 * that came with it; fd -1 when the peer closed first. On a non-blocking socket with nothing
 * there yet: undefined.
 */
export function receiveFdWithData(sock: number): { fd: number; data: Buffer } | undefined {
  const data = Buffer.alloc(64 * 1024);
  const control = Buffer.alloc(64);
  const msg = { name: null, namelen: 0, iov: [{ base: data, len: data.length }], iovlen: 1, control, controllen: control.length, flags: 0 };
  let n: number;
  do n = Number(libcCalls().recvmsg(sock, msg, MSG_CMSG_CLOEXEC)); while (n < 0 && libcCalls().errno() === EINTR);
  if (n < 0 && libcCalls().errno() === EAGAIN) return undefined;
  if (n < 0) throw sysError('recvmsg');
  if (n === 0) return { fd: -1, data: Buffer.alloc(0) };
  const len = Number(msg.controllen);
  if (len < 20 || control.readInt32LE(8) !== SOL_SOCKET || control.readInt32LE(12) !== SCM_RIGHTS)
    throw new TsrunError('recvmsg: no descriptor came with the message');
  return { fd: control.readInt32LE(16), data: data.subarray(0, n) };
}

export function receiveFd(sock: number): number | undefined {
  return receiveFdWithData(sock)?.fd;
}

export function closeFd(fd: number): void {
  libcCalls().close(fd);
}
