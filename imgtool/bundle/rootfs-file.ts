import { constants, closeSync, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a small file of the image (/etc/passwd, /etc/group) without following any symlink: an
 * image could point /etc/passwd at a host file. A symlink anywhere on the way is treated as absent,
 * as is a missing file; the caller decides what absence means.
 */
export function readRootfsFile(rootfs: string, rel: string): string | undefined {
  let path = rootfs;
  const parts = rel.split('/').filter(Boolean);
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return undefined;
  }
  path = join(path, parts[parts.length - 1]!);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
