/**
 * The other end of --console-socket, as containerd's shim and conmon hold it: a unix socket
 * server that takes the pty master (SCM_RIGHTS) from the container and reads what it prints.
 */
import { closeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ReadStream } from 'node:tty';
import { receiveFd } from '../console/console-syscalls.ts';

export class ConsoleReceiver {
  private readonly server: Server;
  private readonly masters: Promise<number>[] = [];
  private waiting: ((fd: number) => void)[] = [];
  private got: number[] = [];

  constructor(readonly path: string) {
    // Paused connections: Node must not read the message that carries the descriptor.
    this.server = createServer({ pauseOnConnect: true }, (sock) => this.take(sock));
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  /** The next pty master that arrives. */
  nextMaster(timeoutMs = 10_000): Promise<number> {
    const ready = this.got.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no terminal arrived on the console socket')), timeoutMs);
      this.waiting.push((fd) => { clearTimeout(timer); resolve(fd); });
    });
  }

  close(): void {
    this.server.close();
  }

  private take(sock: Socket): void {
    const fd = (sock as unknown as { _handle: { fd: number } })._handle.fd;
    const poll = () => {
      const master = receiveFd(fd);
      if (master === undefined) { setTimeout(poll, 5); return; }
      sock.destroy();
      if (master < 0) return;
      const w = this.waiting.shift();
      if (w) w(master); else this.got.push(master);
    };
    poll();
  }
}

/** Everything the terminal prints until its last writer closes it (the master reads EIO then). */
export function readAll(master: number, input?: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = new ReadStream(master);
    let out = '';
    const timer = setTimeout(() => { stream.destroy(); reject(new Error(`terminal still open; so far: ${JSON.stringify(out)}`)); }, timeoutMs);
    const done = () => { clearTimeout(timer); stream.destroy(); resolve(out); };
    stream.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    stream.on('end', done);
    stream.on('error', done);
    stream.on('close', done);
    if (input !== undefined) stream.write(input);
  });
}

export function closeQuietly(fd: number): void {
  try { closeSync(fd); } catch { /* closed by its stream */ }
}
