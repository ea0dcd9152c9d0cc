import { chmodSync, constants, copyFileSync, lchownSync, lutimesSync, readlinkSync, symlinkSync, type Stats } from 'node:fs';
import { lgetxattr, llistxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from './native-fs.ts';

/**
 * Copies one entry of a lower cached layer into the layer being extracted, with its owner, mode,
 * xattrs and times: what overlayfs's copy-up would do. Needed when a layer hardlinks to a file
 * an earlier layer holds (both names must then live in this layer to share an inode), or lists a
 * child of a directory it does not list itself.
 */
export function copyUp(from: string, fromStat: Stats, to: string): void {
  if (fromStat.isDirectory()) throw new Error(`copyUp of a directory (${from}) is not supported`);
  if (fromStat.isFile()) copyFileSync(from, to, constants.COPYFILE_EXCL);
  else if (fromStat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (fromStat.isFIFO()) mknod(to, S_IFIFO | 0o600);
  else if (fromStat.isCharacterDevice() || fromStat.isBlockDevice()) {
    const rdev = fromStat.rdev;
    const major = ((rdev >> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
    const minor = (rdev & 0xff) | ((rdev >> 12) & ~0xff);
    mknod(to, (fromStat.isCharacterDevice() ? S_IFCHR : S_IFBLK) | 0o600, major, minor);
  } else throw new Error(`copyUp: ${from} has an unsupported file type`);
  copyMetadata(from, fromStat, to);
}

/** Owner, mode, xattrs (except overlayfs's own) and times, in the order that keeps setuid bits and capabilities. */
export function copyMetadata(from: string, fromStat: Stats, to: string): void {
  lchownSync(to, fromStat.uid, fromStat.gid);
  if (!fromStat.isSymbolicLink()) chmodSync(to, fromStat.mode & 0o7777);
  for (const name of llistxattr(from)) {
    if (name.startsWith('trusted.overlay.')) continue;
    const value = lgetxattr(from, name);
    if (value) lsetxattr(to, name, value);
  }
  lutimesSync(to, fromStat.atime, fromStat.mtime);
}
