import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from '../store/lock.ts';
import { processAlive } from '../store/write-marks.ts';

/**
 * Marks that an unpack is about to use cached layers, so that `tsimg gc` leaves them alone between
 * the moment the unpack finds them and the moment its overlay is mounted (from then on the mount
 * itself, in /proc/self/mountinfo, keeps them). A mark is `<store>/layers/in-use/<pid>-<random>`
 * holding the layer directories, one a line; the lock (`layers/lock`) makes "gc decides what to
 * delete" and "unpack marks, then looks" exclusive, so gc either sees the mark or deletes first
 * and the unpack extracts again.
 */
export function layersLock(layersDir: string): string {
  return join(layersDir, 'lock');
}

export async function markLayersInUse(layersDir: string, dirs: readonly string[]): Promise<() => void> {
  const marks = join(layersDir, 'in-use');
  mkdirSync(marks, { recursive: true, mode: 0o700 });
  const mark = join(marks, `${process.pid}-${randomBytes(4).toString('hex')}`);
  await withLock(layersLock(layersDir), () => writeFileSync(mark, dirs.join('\n')));
  return () => unlinkSync(mark); // not rmSync, which loads Node's rimraf module on first use
}

/** The layer directories of marks whose process lives; marks of dead processes are removed. Call under the lock. */
export function layersInUse(layersDir: string): Set<string> {
  const marks = join(layersDir, 'in-use');
  const dirs = new Set<string>();
  for (const name of listDir(marks)) {
    const path = join(marks, name);
    if (!processAlive(Number(name.split('-')[0]))) {
      rmSync(path, { force: true });
      continue;
    }
    try {
      for (const dir of readFileSync(path, 'utf8').split('\n')) if (dir) dirs.add(dir);
    } catch {
      /* released meanwhile */
    }
  }
  return dirs;
}

/** A directory's names; none when it does not exist (yet). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
