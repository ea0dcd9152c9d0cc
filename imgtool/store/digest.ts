/** Digests as the image spec writes them (algorithm:hex) and the hash that checks them. */
import type { Hash } from 'node:crypto';
import { checkDigest } from '../reference/parse.ts';

// node:crypto is loaded on the first hash, not with the store: listing, tagging or a second
// bundle of a cached image hash nothing, and the module costs ~5 ms of a tsimg start.
const createHash = (algorithm: string): Hash =>
  (process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).createHash(algorithm);

const SUPPORTED = new Set(['sha256', 'sha512']);

export function splitDigest(digest: string): { algorithm: string; hex: string } {
  checkDigest(digest);
  const [algorithm, hex] = digest.split(':') as [string, string];
  if (!SUPPORTED.has(algorithm)) throw new Error(`digest algorithm "${algorithm}" of ${digest} is not supported (sha256, sha512)`);
  return { algorithm, hex };
}

export function hashFor(digest: string): Hash {
  return createHash(splitDigest(digest).algorithm);
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
