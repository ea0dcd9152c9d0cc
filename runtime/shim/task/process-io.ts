import { closeSync, constants, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { invalid } from '../ttrpc/rpc-status.ts';
import { makePipe } from './shim-syscalls.ts';

/** The stdio a task or exec was given: fifo paths (containerd's default) or file:// URIs; empty means none. */
export interface IoPaths { stdin: string; stdout: string; stderr: string; terminal: boolean }

interface Writable { write: (b: Buffer) => unknown }

/**
 * A process's stdio. Without a terminal the process writes into the output fifos itself (no
 * copying in the shim); the shim keeps a read end of each open for the process's lifetime, as the
 * runc shim does, so that a client that goes away does not turn the process's writes into EPIPE.
 * Stdin is copied from the fifo into a pipe whose write end the shim holds, so that either end of
 * input reaches the process: the client's writer closing the fifo, or CloseIO.
 */
export class ProcessIo {
  /** descriptors for the helper: stdin, stdout, stderr */
  readonly childFds: [number, number, number] = [-1, -1, -1];
  private readonly keep: number[] = [];
  private stdinFifo?: Socket;
  private stdinPipe?: Socket;
  private stops: (() => void)[] = [];

  static open(paths: IoPaths, where: string): ProcessIo {
    const io = new ProcessIo();
    try {
      if (paths.stdin && !paths.terminal) {
        const [r, w] = makePipe();
        io.childFds[0] = r;
        io.stdinPipe = new Socket({ fd: w, readable: false, writable: true });
        io.stdinPipe.on('error', () => undefined); // the process closed its stdin: nothing to do
        io.copyStdin(paths.stdin, `${where}.stdin`, io.stdinPipe, () => io.closeStdin());
      } else {
        io.childFds[0] = openSync('/dev/null', 'r');
      }
      io.childFds[1] = paths.stdout && !paths.terminal ? io.openOutput(paths.stdout, `${where}.stdout`) : openSync('/dev/null', 'w');
      io.childFds[2] = paths.stderr && !paths.terminal ? io.openOutput(paths.stderr, `${where}.stderr`) : openSync('/dev/null', 'w');
    } catch (err) {
      io.closeChildFds();
      io.close();
      throw err;
    }
    return io;
  }

  /** After the helper started: its copies are the ones that count for end-of-file. */
  closeChildFds(): void {
    for (const fd of this.childFds) if (fd >= 0) closeSync(fd);
    this.childFds.fill(-1);
  }

  /** CloseIO: the process reads end of file once what was copied so far is read. */
  closeStdin(): void {
    this.stdinFifo?.destroy();
    this.stdinFifo = undefined;
    this.stdinPipe?.end();
  }

  /**
   * With a terminal: copies the client's stdin fifo to the pty master and the master to the stdout
   * fifo. Resolves once the master has nothing more to say (every slave closed).
   */
  async attachTerminal(paths: IoPaths, master: Writable & { on: (ev: string, f: (b: Buffer) => void) => unknown }, where: string): Promise<void> {
    let out: WriteStream | undefined;
    if (paths.stdout) {
      out = createWriteStream('', { fd: this.openOutput(paths.stdout, `${where}.stdout`), autoClose: true });
      out.on('error', () => undefined);
      this.stops.push(() => out!.destroy());
    }
    if (paths.stdin) this.copyStdin(paths.stdin, `${where}.stdin`, master, () => undefined);
    await new Promise<void>((resolve) => {
      master.on('data', (b) => out?.write(b));
      for (const ev of ['end', 'close', 'error']) master.on(ev, () => resolve());
    });
    await new Promise<void>((resolve) => (out ? out.end(resolve) : resolve()));
  }

  /** The process is gone: stop copying and let go of the fifos. */
  close(): void {
    this.closeStdin();
    for (const stop of this.stops.splice(0)) stop();
    for (const fd of this.keep.splice(0)) closeSync(fd);
  }

  /**
   * Non-blocking and watched through epoll, a fifo's reader hears nothing until a writer comes
   * (Linux reports the hang-up only after a writer has been and gone): no false end of file before
   * the client's first write, and the real one when it closes.
   */
  private copyStdin(path: string, what: string, to: Writable, onEnd: () => void): void {
    if (path.includes('://')) throw invalid(`${what}: ${path}: only a fifo path is supported`);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      throw invalid(`${what}: ${path}: ${(err as Error).message}`);
    }
    const fifo = new Socket({ fd, readable: true, writable: false });
    fifo.on('data', (b: Buffer) => to.write(b));
    fifo.on('end', onEnd);
    fifo.on('error', () => undefined);
    this.stdinFifo = fifo;
  }

  private openOutput(path: string, what: string): number {
    try {
      if (path.startsWith('file://')) return openSync(new URL(path).pathname, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
      if (path.includes('://')) throw invalid(`${what}: ${path}: only fifo paths and file:// URIs are supported`);
      this.keep.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      return openSync(path, constants.O_WRONLY);
    } catch (err) {
      if (err instanceof Error && 'code' in err && typeof err.code === 'string') throw invalid(`${what}: ${path}: ${err.message}`);
      throw err;
    }
  }
}
