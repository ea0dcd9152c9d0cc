import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Hook, RuntimeConfig } from '../../spec/types.ts';
import { TsrunError, errnoOf } from '../cli/errors.ts';
import { isSameProcessAlive, readProcessStat } from './process-identity.ts';

/** What tsrun keeps about one container, in <root>/<id>/state.json. */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  pid: number;
  pidStartTime: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** cgroup directory per hierarchy mountpoint, and the directories tsrun made (removed on delete). */
  cgroupPaths: Record<string, string>;
  cgroupCreated: string[];
  /** config.json had no process: there is nothing to start */
  noProcess?: boolean;
  /** the hooks that run after create: poststart (by start) and poststop (by delete) */
  hooks?: { poststart?: Hook[]; poststop?: Hook[] };
  /** while create runs: the creating tsrun process (a record whose creator died was abandoned) */
  creating?: { pid: number; startTime: number };
  /** namespace paths of the init process, for joining later. */
  namespacePaths?: Record<string, string>;
}

export const STATE_FILE = 'state.json';
export const EXEC_FIFO = 'exec.fifo';
const CONFIG_FILE = 'config.json';
const LOCK_FILE = 'lock';
const STAGING_PREFIX = '.claim@';
/** A removed container's directory on its way out: `.gone@<pid>@<id>` ('@' is never in an id). */
const TOMBSTONE_PREFIX = '.gone@';

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  /**
   * Claims the id with its first record. The directory appears by rename of a staging directory
   * that already holds state.json, so there is never an id directory without a record: a create
   * SIGKILLed at any instant leaves either nothing or a record `delete --force` can act on. The
   * rename is also what makes two creates of one id safe (the second finds a non-empty target).
   */
  claim(record: ContainerRecord): string {
    mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(record.id);
    if (existsSync(dir)) throw new TsrunError(`container with id exists: ${record.id}`);
    this.removeAbandonedStaging();
    // '@' cannot be in an id, so staging names never collide with a container's.
    const staging = mkdtempSync(join(this.root, `${STAGING_PREFIX}${process.pid}@`));
    try {
      chmodSync(staging, 0o711);
      writeFileSync(join(staging, STATE_FILE), JSON.stringify(record), { mode: 0o600 });
      renameSync(staging, dir);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      if (errnoOf(err) === 'EEXIST' || errnoOf(err) === 'ENOTEMPTY') throw new TsrunError(`container with id exists: ${record.id}`);
      throw err;
    }
    return dir;
  }

  /** Staging directories of creates killed before their rename, and tombstones of removes killed half-way (their pid is gone). */
  private removeAbandonedStaging(): void {
    for (const name of readdirSync(this.root)) {
      const prefix = [STAGING_PREFIX, TOMBSTONE_PREFIX].find((p) => name.startsWith(p));
      const pid = prefix ? Number(name.slice(prefix.length).split('@')[0]) : NaN;
      if (pid > 0 && pid !== process.pid && readProcessStat(pid) === undefined) rmSync(join(this.root, name), { recursive: true, force: true });
    }
  }

  exists(id: string): boolean {
    return existsSync(join(this.dir(id), STATE_FILE));
  }

  load(id: string): ContainerRecord {
    let text: string;
    try {
      text = readFileSync(join(this.dir(id), STATE_FILE), 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') throw new TsrunError(`container does not exist: ${id}`);
      throw err;
    }
    return JSON.parse(text) as ContainerRecord;
  }

  /** Written to a temporary file and renamed, so a reader sees the old state or the new, never half. */
  save(record: ContainerRecord): void {
    const dir = this.dir(record.id);
    const tmp = join(dir, `.${STATE_FILE}.${process.pid}`);
    writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    renameSync(tmp, join(dir, STATE_FILE));
  }

  /** The config the container was made from, kept so later changes to the bundle do not reach it (runtime.md). */
  saveConfig(id: string, config: unknown): void {
    writeFileSync(join(this.dir(id), CONFIG_FILE), JSON.stringify(config), { mode: 0o600 });
  }

  loadConfig(id: string): RuntimeConfig {
    return JSON.parse(readFileSync(join(this.dir(id), CONFIG_FILE), 'utf8')) as RuntimeConfig;
  }

  /**
   * Renamed away from its id first (atomic), then removed: a remove killed half-way leaves a
   * tombstone that the next claim sweeps, never an id directory without its record, which
   * `delete --force` would not see and `create` would refuse forever.
   */
  remove(id: string): void {
    const dir = this.dir(id);
    const tombstone = join(this.root, `${TOMBSTONE_PREFIX}${process.pid}@${id}`);
    try {
      renameSync(dir, tombstone);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return;
      rmSync(dir, { recursive: true, force: true }); // a tombstone of ours for this id is still there
      return;
    }
    rmSync(tombstone, { recursive: true, force: true });
  }

  list(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.includes('@') && existsSync(join(this.root, d.name, STATE_FILE))) // '@': staging and tombstones
        .map((d) => d.name)
        .sort();
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * Runs fn while holding the container's lock, so concurrent commands on one id cannot interleave.
   * The lock file holds the owner's pid and start time; a lock whose owner died is taken over.
   */
  withLock<T>(id: string, fn: () => T): T {
    const lock = join(this.dir(id), LOCK_FILE);
    const deadline = Date.now() + 30_000;
    const me = readProcessStat(process.pid);
    for (;;) {
      let fd: number | undefined;
      try {
        fd = openSync(lock, 'wx', 0o600);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ENOENT') throw new TsrunError(`container does not exist: ${id}`);
        if (code !== 'EEXIST') throw err;
      }
      if (fd !== undefined) {
        writeSync(fd, `${process.pid} ${me?.startTime ?? 0}`);
        closeSync(fd);
        try {
          return fn();
        } finally {
          try { unlinkSync(lock); } catch { /* the directory may be gone after delete */ }
        }
      }
      if (lockOwnerIsGone(lock) && takeOverStaleLock(lock)) continue;
      if (Date.now() > deadline) throw new TsrunError(`container ${id} is locked by another tsrun command`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/** The lock's owner died, or died between creating it and writing its name (empty for long). */
function lockOwnerIsGone(lock: string): boolean {
  try {
    const text = readFileSync(lock, 'utf8');
    if (text === '') return Date.now() - statSync(lock).mtimeMs > STALE_EMPTY_LOCK_MS;
    const [pid, start] = text.split(' ').map(Number);
    return !isSameProcessAlive(pid ?? 0, start ?? 0);
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock so that exactly one waiter wins it: the remover first takes a second,
 * exclusive file and checks again under it, so a lock just retaken by someone else stays.
 */
function takeOverStaleLock(lock: string): boolean {
  const guard = `${lock}.takeover`;
  try {
    closeSync(openSync(guard, 'wx', 0o600));
  } catch (err) {
    if (errnoOf(err) !== 'EEXIST') return false;
    try {
      if (Date.now() - statSync(guard).mtimeMs > STALE_EMPTY_LOCK_MS) unlinkSync(guard); // its taker died
    } catch { /* gone meanwhile */ }
    return false;
  }
  try {
    if (lockOwnerIsGone(lock)) unlinkSync(lock);
  } catch { /* already gone */ }
  unlinkSync(guard);
  return true;
}

const STALE_EMPTY_LOCK_MS = 5000;
