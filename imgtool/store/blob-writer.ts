/**
 * Writes one blob into the store: bytes go to a temp file under <root>/ingest (same filesystem, so the
 * final rename is atomic) and through the hash as they arrive; commit() checks size and digest, fsyncs and
 * renames to blobs/<alg>/<hex>. Writes are synchronous: the registry client hands over pieces of a read
 * buffer it reuses (registry/streaming-get.ts), and a page-cache write is cheaper than a trip through the
 * libuv pool (measured equal or better here). Content that does not match is deleted, so no blob is ever stored under a
 * digest it does not have, and a failed or aborted write leaves no file behind. `received` and the running
 * hash let a download resume with an HTTP Range request where it stopped.
 */
import { type Hash, randomBytes } from 'node:crypto';
import { closeSync, fdatasync, fsync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DigestMismatchError } from '../registry/errors.ts';
import { hashFor } from './digest.ts';

/**
 * How much may be written before the writer asks the kernel to start writing it back (fdatasync on the libuv
 * pool, not awaited). Without it the whole blob is still dirty when commit() fsyncs it, and that fsync, on
 * the critical path at the end of a pull, took 50-380 ms here for a 60 MB layer; with it the disk works
 * while the network does, and the final fsync has only the tail left.
 */
const WRITEBACK_EVERY = 16 << 20;

export class BlobWriter {
  received = 0;
  private hash: Hash;
  private unsynced = 0;
  private writeback: Promise<void> | undefined;
  /** The first error of an early fdatasync: commit() fails with it (see startWriteback). */
  private writebackError: NodeJS.ErrnoException | undefined;
  private fd: number | undefined;

  private constructor(
    readonly tempPath: string,
    private readonly finalPath: string,
    readonly digest: string,
    readonly size: number | undefined,
    private readonly what: string,
  ) {
    this.hash = hashFor(digest);
    this.fd = openSync(tempPath, 'wx', 0o644);
  }

  static create(ingestDir: string, finalPath: string, digest: string, size: number | undefined, what: string): BlobWriter {
    const temp = join(ingestDir, `${digest.replace(':', '-')}.${process.pid}.${randomBytes(4).toString('hex')}`);
    return new BlobWriter(temp, finalPath, digest, size, what);
  }

  /**
   * Writes a chunk before returning (the caller may reuse its buffer); content longer than the descriptor
   * says is refused before it reaches the disk.
   */
  write(chunk: Buffer): void {
    if (this.size !== undefined && this.received + chunk.length > this.size) {
      throw new DigestMismatchError(this.what, `${this.size} bytes`, `more than ${this.size} bytes`);
    }
    // Written, then hashed: a write that fails leaves the hash and `received` in step with each other.
    for (let done = 0; done < chunk.length; ) done += writeSync(this.fd!, chunk, done, chunk.length - done, this.received + done);
    this.hash.update(chunk);
    this.received += chunk.length;
    this.unsynced += chunk.length;
    if (this.unsynced >= WRITEBACK_EVERY && !this.writeback) this.startWriteback();
  }

  /**
   * One early fdatasync at a time. Its failure is kept for commit(): the kernel reports a writeback
   * error once per open file (Linux 4.13+), so after an early fdatasync has been told of it, the
   * final fsync would return 0 and a blob whose data never reached the disk would be committed.
   */
  private startWriteback(): void {
    this.unsynced = 0;
    const fd = this.fd!;
    this.writeback = new Promise<void>((resolve) => fdatasync(fd, (e) => {
      if (e) this.writebackError ??= e;
      resolve();
    })).finally(() => (this.writeback = undefined));
  }

  /** Starts over from byte 0 (a server that ignored our Range request sends the whole blob again). */
  restart(): void {
    ftruncateSync(this.fd!, 0);
    this.hash = hashFor(this.digest);
    this.received = 0;
  }

  async commit(): Promise<void> {
    try {
      await this.writeback; // never close the descriptor under an early writeback
      if (this.size !== undefined && this.received !== this.size) {
        throw new DigestMismatchError(this.what, `${this.size} bytes`, `${this.received} bytes`);
      }
      const actual = `${this.digest.split(':')[0]}:${this.hash.digest('hex')}`;
      if (actual !== this.digest) throw new DigestMismatchError(this.what, this.digest, actual);
      // Asynchronously, on the libuv pool: a blocking fsync would stall every other download meanwhile.
      await new Promise<void>((resolve, reject) => fsync(this.fd!, (e) => (e ? reject(e) : resolve())));
      if (this.writebackError) throw this.writebackError;
      this.closeFd();
      renameSync(this.tempPath, this.finalPath);
    } catch (e) {
      this.closeFd();
      rmSync(this.tempPath, { force: true });
      throw e;
    }
  }

  async abort(): Promise<void> {
    await this.writeback;
    this.closeFd();
    rmSync(this.tempPath, { force: true });
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
