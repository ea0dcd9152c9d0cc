/**
 * An exclusive lock on a store, as a lock file holding the owner's pid. Node has no flock(2); a lock
 * file whose pid is gone (a killed tsimg) is taken over, so a crash never wedges the store.
 * The file appears by link(2) of a temporary file that already holds the pid: created with O_EXCL and
 * written after, a waiter could read it empty in between, take it for abandoned and remove a live lock
 * (concurrent `tsimg tag` runs lost index entries that way).
 */
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const WAIT_LIMIT_MS = 60_000;

function ownerIsGone(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return false; // vanished or being written: just retry
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Several waiters can find the same dead owner; had each removed the file, a later one would remove
 * the live lock the first had taken meanwhile. So the removal happens under a second, exclusive
 * file, with the owner checked again there. A guard whose taker died is cleared like a lock.
 */
function removeStaleLock(path: string, mine: string): void {
  const guard = `${path}.takeover`;
  try {
    linkSync(mine, guard); // holding our pid from its first instant, as the lock itself
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (ownerIsGone(guard)) rmSync(guard, { force: true });
    return;
  }
  try {
    if (ownerIsGone(path)) rmSync(path, { force: true });
  } finally {
    unlinkSync(guard);
  }
}

export async function withLock<T>(path: string, action: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  const mine = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  writeFileSync(mine, String(process.pid), { mode: 0o644 });
  try {
    for (let delay = 2, held = false; !held; delay = Math.min(delay * 2, 100)) {
      try {
        linkSync(mine, path);
        held = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (ownerIsGone(path)) {
          removeStaleLock(path, mine);
          continue;
        }
        if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`store is locked by another tsimg (${path}); remove the file if no tsimg is running`);
        await sleep(delay + Math.random() * delay);
      }
    }
  } finally {
    unlinkSync(mine);
  }
  try {
    return await action();
  } finally {
    // unlink, not rmSync: Node 20's rmSync loads its rimraf module on first use (~1-3 ms), and every
    // unpack takes this lock once (bundle/layer-use.ts) on its way to a ~20 ms overlay bundle.
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
