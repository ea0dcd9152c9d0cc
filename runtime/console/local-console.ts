import { closeSync } from 'node:fs';
import type { ReadStream } from 'node:tty';
import { receiveFd, socketPair } from '../fd-passing/unix-socket-calls.ts';
import { setWindowSize } from './window-size.ts';

/**
 * tsrun as the container's console (`run` or foreground `exec` with a terminal and no
 * --console-socket), as runc is: the helper sends the pty master over a socketpair; tsrun puts
 * its own terminal in raw mode, copies both ways, and passes its window size on at the start and
 * on every SIGWINCH.
 */
export class LocalConsole {
  /** the end the helper inherits and sends the master on */
  readonly helperEnd: number;
  private readonly ownEnd: number;
  private master = -1;
  private stream?: ReadStream;
  private drained?: Promise<void>;
  private restore: (() => void)[] = [];

  constructor() {
    [this.ownEnd, this.helperEnd] = socketPair();
  }

  /** After the helper has started: its copy is the only one left, so a dead helper shows as EOF. */
  helperStarted(): void {
    closeSync(this.helperEnd);
  }

  /** Takes the master (sent before the container reported ready) and starts copying. */
  attach(): void {
    this.master = receiveFd(this.ownEnd) ?? -1; // a blocking socket: never undefined
    closeSync(this.ownEnd);
    if (this.master < 0) throw new Error('the container closed the console socket without sending its terminal');
    // node:tty only now: commands that never own a console do not load it.
    const { ReadStream: TtyStream } = process.getBuiltinModule('node:tty') as typeof import('node:tty');
    const stream = new TtyStream(this.master);
    this.stream = stream;
    const stdin = process.stdin;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      this.restore.push(() => stdin.setRawMode(false));
    }
    this.resize();
    const onWinch = () => this.resize();
    process.on('SIGWINCH', onWinch);
    this.restore.push(() => process.off('SIGWINCH', onWinch));
    const forwardInput = (chunk: Buffer) => stream.write(chunk);
    stdin.on('data', forwardInput);
    this.restore.push(() => { stdin.off('data', forwardInput); stdin.pause(); });
    // The master reads EIO once every copy of the slave is closed: that is its end of file.
    this.drained = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => process.stdout.write(chunk));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
  }

  /** Once the process has exited: wait for its last output (briefly), then give the terminal back. */
  async finish(): Promise<void> {
    if (this.drained) await Promise.race([this.drained, new Promise((r) => setTimeout(r, 2000).unref())]);
    for (const undo of this.restore.reverse()) undo();
    this.restore = [];
    this.stream?.destroy();
  }

  /** Closes everything without waiting (the container failed before it ran). */
  abandon(): void {
    for (const fd of [this.ownEnd, this.helperEnd]) {
      try { closeSync(fd); } catch { /* closed already */ }
    }
    for (const undo of this.restore.reverse()) undo();
    this.restore = [];
    this.stream?.destroy();
  }

  private resize(): void {
    const out = process.stdout;
    if (this.master >= 0 && out.isTTY && out.rows && out.columns) setWindowSize(this.master, out.rows, out.columns);
  }
}
