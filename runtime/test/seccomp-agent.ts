/**
 * A minimal seccomp agent for the tests: waits on a listener descriptor (SECCOMP_IOCTL_NOTIF_RECV)
 * and answers each notification with an errno, through koffi (Node has no ioctl).
 */
import { libcCalls } from '../fd-passing/unix-socket-calls.ts';

const NOTIF_RECV = 0xc0502100; // _IOWR('!', 0, struct seccomp_notif), 80 bytes
const NOTIF_SEND = 0xc0182101; // _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes
const POLLIN = 1;

export interface Notification { id: bigint; pid: number; nr: number; arch: number; args: bigint[] }

/** The next notification, or undefined when none comes within timeoutMs. */
export function receiveNotification(listener: number, timeoutMs: number): Notification | undefined {
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(listener, 0);
  pfd.writeInt16LE(POLLIN, 4);
  if (libcCalls().poll(pfd, 1, timeoutMs) <= 0) return undefined;
  const n = Buffer.alloc(80); // struct seccomp_notif, zeroed as the kernel requires
  if (libcCalls().ioctl(listener, NOTIF_RECV, n) !== 0) throw new Error(`SECCOMP_IOCTL_NOTIF_RECV: errno ${libcCalls().errno()}`);
  const args = [0, 1, 2, 3, 4, 5].map((i) => n.readBigUInt64LE(32 + 8 * i));
  return { id: n.readBigUInt64LE(0), pid: n.readUInt32LE(8), nr: n.readInt32LE(16), arch: n.readUInt32LE(20), args };
}

/** Fails the notified syscall with errno (the kernel does not run it). */
export function answerWithErrno(listener: number, id: bigint, errno: number): void {
  const r = Buffer.alloc(24);
  r.writeBigUInt64LE(id, 0);
  r.writeBigInt64LE(0n, 8);
  r.writeInt32LE(-errno, 16);
  if (libcCalls().ioctl(listener, NOTIF_SEND, r) !== 0) throw new Error(`SECCOMP_IOCTL_NOTIF_SEND: errno ${libcCalls().errno()}`);
}
