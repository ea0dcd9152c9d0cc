import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';

export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * Which decompressor a blob needs, from its first bytes rather than its media type: Docker's
 * media types say gzip for every layer, and the magic numbers cannot lie.
 */
export async function detectCompression(blobPath: string): Promise<Compression> {
  const fh = await open(blobPath, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

const CHUNK = 256 * 1024;
/** Decompressed bytes gunzip may hold ready, so that it keeps inflating while entries are applied. */
const RUN_AHEAD = 16 * 1024 * 1024;

/**
 * The uncompressed tar stream of a layer blob. gzip is node:zlib (in libuv's thread pool, so it
 * overlaps with applying entries); zstd is Debian's `zstd` binary in a child process, because
 * Node 20 has no zstd and the binary is faster than any JS decoder.
 */
export function openDecompressed(blobPath: string, compression: Compression): { stream: Readable; done: Promise<void> } {
  const file = createReadStream(blobPath, { highWaterMark: CHUNK });
  if (compression === 'none') return { stream: file, done: Promise.resolve() };
  if (compression === 'gzip') {
    // pipeline() carries a read error of the file into the gunzip stream, which the reader sees.
    const gunzip = pipeline(file, createGunzip({ chunkSize: CHUNK, readableHighWaterMark: RUN_AHEAD } as ZlibOptions), () => {});
    return { stream: gunzip, done: Promise.resolve() };
  }
  file.destroy();
  const child = spawn('zstd', ['-d', '-c', '-q', '--', blobPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`could not run zstd (${err.message}); install Debian's zstd package`)));
    child.on('close', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM') resolve();
      else reject(new Error(`zstd could not decompress the blob: ${stderr.trim() || `exit ${code ?? signal}`}`));
    });
  });
  child.stdout.on('close', () => child.kill());
  return { stream: child.stdout, done };
}
