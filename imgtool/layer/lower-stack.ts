import { lstatSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from './native-fs.ts';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** overlayfs marks a deleted name with a character device 0:0. */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * The cached layer directories below the one being extracted, seen the way overlayfs will merge
 * them: whiteouts hide names, opaque directories hide everything further down, a non-directory
 * hides whatever lies beneath its name. Used for the few entries that depend on lower content
 * (a hardlink to a file from an earlier layer, a parent directory the layer does not list).
 */
export class LowerStack {
  /** dirs: nearest layer first. */
  constructor(private readonly dirs: readonly string[]) {}

  lookup(rel: string): { path: string; stat: Stats } | undefined {
    const parts = rel.split('/');
    for (const dir of this.dirs) {
      let prefix = dir;
      let stopBelow = false;
      let found: { path: string; stat: Stats } | undefined;
      let absent = false;
      for (let i = 0; i < parts.length; i++) {
        prefix = join(prefix, parts[i]!);
        const st = lstatSync(prefix, { throwIfNoEntry: false });
        if (!st) {
          absent = true;
          break;
        }
        if (isWhiteout(st)) return undefined;
        if (i === parts.length - 1) found = { path: prefix, stat: st };
        else if (!st.isDirectory()) return undefined;
        else if (lgetxattr(prefix, OPAQUE_XATTR)?.toString() === 'y') stopBelow = true;
      }
      if (found) return found;
      if (stopBelow && absent) return undefined;
    }
    return undefined;
  }
}
