import { createHash } from 'node:crypto';

/**
 * The OCI ChainIDs of a layer stack: ChainID(L0) = DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 * Cached layer directories are keyed by ChainID, not by DiffID alone, because an overlay layer
 * directory depends on what lies below it (a hardlink to a lower file is copied up, a directory
 * the layer implies takes its metadata from below); for the bottom layer the two are equal.
 */
export function chainIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffID of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffID : `sha256:${createHash('sha256').update(`${prev} ${diffID}`).digest('hex')}`);
  }
  return out;
}
