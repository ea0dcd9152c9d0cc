import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

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
