import { writeSync } from 'node:fs';

/**
 * Writes straight to fd 1. process.stdout would put a pipe into non-blocking mode, and that
 * file description may be shared with a container's process.
 */
export function writeStdout(text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
