/** Digests as the image spec writes them (algorithm:hex) and the hash that checks them. */
import { type Hash, createHash } from 'node:crypto';
import { checkDigest } from '../reference/parse.ts';

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
