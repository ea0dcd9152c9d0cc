import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr, llistxattr } from '../layer/native-fs.ts';

/**
 * What a user compares between two unpacked trees: per path the type, mode (with setuid/setgid/
 * sticky), owner, size, link target, device numbers, xattrs, mtime of non-directories, and the
 * hardlink group it belongs to. Never follows a symlink (lstat, readlink only).
 */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const byInode = new Map<string, string[]>();
  const walk = (rel: string) => {
    const abs = rel === '' ? root : join(root, rel);
    const st = lstatSync(abs);
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
    const xattrs = llistxattr(abs).filter((n) => !n.startsWith('trusted.overlay.')).sort()
      .map((n) => `${n}=${lgetxattr(abs, n)?.toString('hex')}`);
    const fields = [
      type,
      (st.mode & 0o7777).toString(8),
      `${st.uid}:${st.gid}`,
      type === 'file' || type === 'symlink' ? `size=${st.size}` : '',
      type === 'symlink' ? `-> ${readlinkSync(abs)}` : '',
      type === 'char' || type === 'block' ? `rdev=${st.rdev}` : '',
      type !== 'dir' ? `mtime=${Math.floor(st.mtimeMs / 1000)}` : '',
      xattrs.length ? `xattrs=${xattrs.join(',')}` : '',
    ];
    out.set(rel || '.', fields.filter(Boolean).join(' '));
    if (type !== 'dir') {
      const key = `${st.dev}:${st.ino}`;
      byInode.set(key, [...(byInode.get(key) ?? []), rel]);
    } else for (const child of readdirSync(abs).sort()) walk(rel === '' ? child : `${rel}/${child}`);
  };
  walk('');
  for (const group of byInode.values()) {
    if (group.length < 2) continue;
    const label = `links=${[...group].sort().join('|')}`;
    for (const rel of group) out.set(rel, `${out.get(rel)} ${label}`);
  }
  return out;
}

/** Line-per-difference report; empty when the trees match. */
export function diffTrees(a: Map<string, string>, b: Map<string, string>, aName: string, bName: string): string[] {
  const diffs: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (x !== y) diffs.push(`${key}\n  ${aName}: ${x ?? '(missing)'}\n  ${bName}: ${y ?? '(missing)'}`);
  }
  return diffs;
}
