import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { copyMetadata } from './copy-up.ts';
import { UnsafeEntryError } from './layer-errors.ts';
import { LowerStack } from './lower-stack.ts';
import { lgetxattr, llistxattr, lsetxattr } from './native-fs.ts';

/**
 * What an overlay layer extracted before its lower layers were complete (in parallel with them)
 * still has to take from them; see LayerApplier with `deferLowers`. Everything else in an overlay
 * layer directory depends only on the layer itself.
 */
export interface LowerDependencies {
  /** Whether the layer has its own './' entry; otherwise its root takes the metadata from below. */
  rootListed: boolean;
  /**
   * Directories the layer created because an entry lies inside them, without listing them first,
   * in creation order (parents first), with that entry's name for messages; `listed` when the
   * layer lists the directory later on.
   */
  implied: { rel: string; entry: string; listed: boolean }[];
}

/**
 * Thrown while extracting with deferred lowers when an entry needs a lower layer's content now: a
 * hardlink to a file this layer does not hold (it must be copied up to share an inode). The layer
 * is then extracted again once the layers below are complete.
 */
export class NeedsLowerLayers extends Error {}

/**
 * Settles a layer extracted with deferred lowers against the finished layers below (nearest
 * first), doing what LayerApplier does at once when it has them: a directory the layer implies
 * takes its owner, mode, xattrs and times from the same directory below, and must not be a
 * symbolic link (or other non-directory) there, which would be a write through a link once merged;
 * the layer root likewise. A directory the layer lists itself keeps its own metadata and only
 * gains the xattrs from below it does not set (as when applied in order: copied, then overwritten).
 * A refusal is returned with the entry that implied the directory, for the caller's message.
 */
export function settleLowerDependencies(dir: string, deps: LowerDependencies, lowerDirs: readonly string[]): { entry: string; error: UnsafeEntryError } | undefined {
  const below = lowerDirs[0];
  if (below) {
    if (deps.rootListed) copyMissingXattrs(below, dir);
    else copyMetadata(below, lstatSync(below), dir);
  }
  const lowers = new LowerStack(lowerDirs);
  for (const { rel, entry, listed } of deps.implied) {
    const lower = lowers.lookup(rel);
    if (!lower) continue;
    if (!lower.stat.isDirectory()) return { entry, error: notADirectory(rel, lower.path, lower.stat.isSymbolicLink()) };
    const here = join(dir, rel);
    if (!lstatSync(here, { throwIfNoEntry: false })?.isDirectory()) continue; // replaced later in the layer
    if (listed) copyMissingXattrs(lower.path, here);
    else copyMetadata(lower.path, lower.stat, here);
  }
  return undefined;
}

/** The refusal for a parent that is not a real directory; LayerApplier's message, from either path. */
export function notADirectory(rel: string, path: string, isSymlink: boolean): UnsafeEntryError {
  if (isSymlink) {
    return new UnsafeEntryError(`its parent ${JSON.stringify(rel)} is a symbolic link (to ${JSON.stringify(readlinkSync(path))}); tsimg never writes through symbolic links`);
  }
  return new UnsafeEntryError(`its parent ${JSON.stringify(rel)} is not a directory`);
}

function copyMissingXattrs(from: string, to: string): void {
  const have = new Set(llistxattr(to));
  for (const name of llistxattr(from)) {
    if (name.startsWith('trusted.overlay.') || have.has(name)) continue;
    const value = lgetxattr(from, name);
    if (value) lsetxattr(to, name, value);
  }
}
