/**
 * Marks of writes in progress: a file ingest/active-<pid>-<random> for as long as a pull or import runs.
 * Blobs such a writer stores are referenced by no name until it finishes, so gc, and a failed pull cleaning
 * up after itself, leave alone what a live writer may have written. Leftovers of dead writers (their marks
 * and temp files; the pid is in the name) are swept.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ACTIVE_PREFIX = 'active-';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface WriteMark {
  path: string;
  release(): void;
}

export function markWriteInProgress(ingestDir: string): WriteMark {
  mkdirSync(ingestDir, { recursive: true });
  const path = join(ingestDir, `${ACTIVE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(path, String(process.pid));
  return { path, release: () => rmSync(path, { force: true }) };
}

/**
 * Removes dead writers' marks and temp files; returns the start time (ms) of the oldest live writer other
 * than `own`, or Infinity when there is none.
 */
export function sweepIngest(ingestDir: string, own?: WriteMark): number {
  let oldestLive = Infinity;
  let entries: string[];
  try {
    entries = readdirSync(ingestDir);
  } catch {
    return oldestLive;
  }
  for (const entry of entries) {
    const path = join(ingestDir, entry);
    if (path === own?.path) continue;
    const isMark = entry.startsWith(ACTIVE_PREFIX);
    let pid: number;
    try {
      pid = isMark ? Number(readFileSync(path, 'utf8')) : Number(entry.split('.')[1]);
    } catch {
      continue; // removed meanwhile
    }
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
      if (isMark) oldestLive = Math.min(oldestLive, statSync(path).mtimeMs);
      continue;
    }
    rmSync(path, { force: true });
  }
  return oldestLive;
}
