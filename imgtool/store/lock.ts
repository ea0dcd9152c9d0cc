/**
 * An exclusive lock on a store, as a lock file created with O_EXCL holding the owner's pid. Node has no
 * flock(2); a lock file whose pid is gone (a killed tsimg) is taken over, so a crash never wedges the store.
 */
import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
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

export async function withLock<T>(path: string, action: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  let fd: number | undefined;
  for (let delay = 2; fd === undefined; delay = Math.min(delay * 2, 100)) {
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (ownerIsGone(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`store is locked by another tsimg (${path}); remove the file if no tsimg is running`);
      await sleep(delay + Math.random() * delay);
    }
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
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
