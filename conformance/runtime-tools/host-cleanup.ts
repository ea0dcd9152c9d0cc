import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';

/** Mount points at or below dir, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes a scratch directory without harming the host: first unmounts whatever a test left
 * mounted below it (some runtime-tools tests run without a mount namespace and leave proc, sys,
 * dev or mqueue mounted over the bundle), then deletes without ever crossing a mount point.
 * Returns the mounts it had to remove.
 */
export function removeScratch(dir: string): string[] {
  const left = mountsUnder(dir);
  for (let pass = 0; pass < 3; pass++) {
    const now = mountsUnder(dir);
    if (now.length === 0) break;
    for (const m of now) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  }
  const still = mountsUnder(dir);
  if (still.length > 0) throw new Error(`cannot unmount ${still.join(', ')}; leaving ${dir} in place`);
  if (existsSync(dir)) spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'ignore' });
  return left;
}

/** Every cgroup directory below each hierarchy's root, as a set of paths. */
export function cgroupDirs(root = '/sys/fs/cgroup'): Set<string> {
  const out = new Set<string>();
  const walk = (d: string, depth: number) => {
    if (depth > 6) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = `${d}/${e.name}`;
      out.add(p);
      walk(p, depth + 1);
    }
  };
  for (const h of existsSync(root) ? readdirSync(root) : []) walk(`${root}/${h}`, 0);
  return out;
}

/** cgroups a test made and left behind: reported, then removed when empty (deepest first). */
export function removeNewCgroups(before: Set<string>): string[] {
  const left = [...cgroupDirs()].filter((d) => !before.has(d)).sort((a, b) => b.length - a.length);
  for (const d of left) {
    try { rmdirSync(d); } catch { /* holds processes: reported, left alone */ }
  }
  return left;
}
