import { libcCalls } from '../fd-passing/unix-socket-calls.ts';

const TIOCSWINSZ = 0x5414;

/** TIOCSWINSZ on a pty master: the size the container's programs see (struct winsize: rows, cols, 2 unused). */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(cols, 2);
  libcCalls().ioctl(fd, TIOCSWINSZ, ws);
}
