import { closeSync, constants, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { invalid } from '../ttrpc/rpc-status.ts';
import { startBinaryLogger, type BinaryLogger } from './binary-logger.ts';
import type { ChildReaper } from './child-reaper.ts';
import { makePipe } from './shim-syscalls.ts';

/**
 * The stdio a task or exec was given: fifo paths (containerd's default), or a log URI in stdout
 * (ctr --log-uri; the stdout URI decides for both outputs, as in containerd's shims): file://PATH
 * appends stdout and stderr to PATH, binary://PATH hands both to a logging binary. Empty means none.
 */
export interface IoPaths { stdin: string; stdout: string; stderr: string; terminal: boolean }

/** Whose output it is, for a logging binary's environment, and the reaper that must leave that child to Node. */
export interface IoOwner { id: string; namespace: string; reaper: Pick<ChildReaper, 'spawned' | 'exited'> }

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
  private logger?: BinaryLogger;
  /** with a terminal and a logging binary: where the terminal's output goes */
  private terminalOut?: number;

  static async open(paths: IoPaths, where: string, owner: IoOwner): Promise<ProcessIo> {
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
      if (paths.stdout.startsWith('binary://')) {
        io.logger = await startBinaryLogger(paths.stdout, owner.id, owner.namespace, `${where}.stdout`, owner.reaper);
        if (paths.terminal) {
          // The terminal's output reaches the logger through the shim's copy: the process gets /dev/null.
          io.terminalOut = io.logger.stdout;
          closeSync(io.logger.stderr);
        } else {
          io.childFds[1] = io.logger.stdout;
          io.childFds[2] = io.logger.stderr;
        }
      } else if (paths.stdout.startsWith('file://') && !paths.terminal) {
        // One descriptor for both: the two streams interleave in the file as they were written.
        io.childFds[1] = io.childFds[2] = openLogFile(paths.stdout, `${where}.stdout`);
      } else {
        io.childFds[1] = paths.stdout && !paths.terminal ? io.openOutput(paths.stdout, `${where}.stdout`) : -1;
        io.childFds[2] = paths.stderr && !paths.terminal ? io.openOutput(paths.stderr, `${where}.stderr`) : -1;
      }
      if (io.childFds[1] < 0) io.childFds[1] = openSync('/dev/null', 'w');
      if (io.childFds[2] < 0) io.childFds[2] = openSync('/dev/null', 'w');
    } catch (err) {
      io.closeChildFds();
      io.close();
      throw err;
    }
    return io;
  }

  /** After the helper started: its copies are the ones that count for end-of-file. */
  closeChildFds(): void {
    for (const fd of new Set(this.childFds)) if (fd >= 0) closeSync(fd);
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
      const fd = this.terminalOut ?? (paths.stdout.startsWith('file://') ? openLogFile(paths.stdout, `${where}.stdout`) : this.openOutput(paths.stdout, `${where}.stdout`));
      this.terminalOut = undefined; // the stream owns it now
      out = createWriteStream('', { fd, autoClose: true });
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
    if (this.terminalOut !== undefined) { closeSync(this.terminalOut); this.terminalOut = undefined; }
    this.logger?.stop();
    this.logger = undefined;
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
    if (path.startsWith('file://')) return openLogFile(path, what);
    try {
      if (path.includes('://')) throw invalid(`${what}: ${path}: only fifo paths, file:// and binary:// URIs are supported`);
      this.keep.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      return openSync(path, constants.O_WRONLY);
    } catch (err) {
      if (err instanceof Error && 'code' in err && typeof err.code === 'string') throw invalid(`${what}: ${path}: ${err.message}`);
      throw err;
    }
  }
}

/** file://PATH: appended to, made with its directory if missing (0755, the file 0644), as containerd's shims do. */
function openLogFile(uri: string, what: string): number {
  try {
    const path = decodeURIComponent(new URL(uri).pathname);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
  } catch (err) {
    throw invalid(`${what}: ${uri}: ${(err as Error).message}`);
  }
}
