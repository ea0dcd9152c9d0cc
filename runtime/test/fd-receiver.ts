/**
 * The other end of --console-socket, as containerd's shim and conmon hold it (and of a seccomp
 * listenerPath, as a seccomp agent holds it): a unix socket server that takes a descriptor
 * (SCM_RIGHTS) and the bytes sent with it.
 */
import { closeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ReadStream } from 'node:tty';
import { receiveFdWithData } from '../fd-passing/unix-socket-calls.ts';

export interface Received { fd: number; data: Buffer }

export class FdReceiver {
  private readonly server: Server;
  private waiting: ((m: Received) => void)[] = [];
  private got: Received[] = [];

  constructor(readonly path: string) {
    // Paused connections: Node must not read the message that carries the descriptor.
    this.server = createServer({ pauseOnConnect: true }, (sock) => this.take(sock));
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  /** The next pty master that arrives. */
  async nextMaster(timeoutMs = 10_000): Promise<number> {
    return (await this.nextMessage(timeoutMs)).fd;
  }

  /** The next descriptor that arrives, with the message it came in. */
  nextMessage(timeoutMs = 10_000): Promise<Received> {
    const ready = this.got.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing arrived on ${this.path}`)), timeoutMs);
      this.waiting.push((m) => { clearTimeout(timer); resolve(m); });
    });
  }

  close(): void {
    this.server.close();
  }

  private take(sock: Socket): void {
    const fd = (sock as unknown as { _handle: { fd: number } })._handle.fd;
    const poll = () => {
      const m = receiveFdWithData(fd);
      if (m === undefined) { setTimeout(poll, 5); return; }
      sock.destroy();
      if (m.fd < 0) return;
      const w = this.waiting.shift();
      if (w) w(m); else this.got.push(m);
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
