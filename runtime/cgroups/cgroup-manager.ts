import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TsrunError, errnoOf } from '../cli/errors.ts';
import type { CgroupLayout } from './cgroup-layout.ts';
import { resolveCgroupPath } from './cgroup-path.ts';
import { enableControllers } from './cgroup-v2-files.ts';

/** The container's cgroup in every hierarchy (keyed by mountpoint), and the directories tsrun made. */
export interface CgroupPlacement {
  paths: Record<string, string>;
  created: string[];
}

/**
 * Makes the container's cgroup in every hierarchy; on failure removes what it made. `record` is
 * called once with every directory about to be made, BEFORE any mkdir, so that a caller that
 * saves it leaves a record a later `delete --force` can clean up after, even when the process is
 * SIGKILLed between the mkdirs and its next step (removal skips what does not exist).
 */
export function createCgroups(
  layout: CgroupLayout,
  cgroupsPath: string | undefined,
  id: string,
  record: (placement: CgroupPlacement) => void = () => {},
): CgroupPlacement {
  const placement: CgroupPlacement = { paths: {}, created: [] };
  const planned = layout.hierarchies.map((h) => {
    const path = resolveCgroupPath(cgroupsPath, id, h);
    if (path === h.mountpoint) throw new TsrunError(`linux.cgroupsPath: ${JSON.stringify(cgroupsPath)} is the root of ${h.mountpoint}; give the container a cgroup of its own`);
    const made = missingDirs(path, h.mountpoint);
    placement.paths[h.mountpoint] = path;
    placement.created.push(...made);
    return { h, path, made };
  });
  record(placement);
  try {
    for (const { h, path, made } of planned) {
      mkdirAll(made);
      // An existing cgroup with processes in it belongs to something else: kill --all and delete
      // would reach those processes.
      if (!made.includes(path) && readFileSync(`${path}/cgroup.procs`, 'utf8').trim() !== '')
        throw new TsrunError(`linux.cgroupsPath: cgroup ${path} already has processes in it; give the container a cgroup of its own`);
      // A new v1 cpuset cgroup starts with no cpus and no mems, and refuses tasks until they are copied down.
      if (h.controllers.includes('cpuset')) for (const dir of made) inheritCpuset(dir);
      if (h.version === 2) enableControllers(h.mountpoint, path);
    }
  } catch (err) {
    removeCgroups(placement);
    throw err instanceof TsrunError ? err : new TsrunError(`creating cgroup: ${(err as Error).message}`);
  }
  return placement;
}

/** The directories mkdir -p would make for path below stopAt, outermost first. */
function missingDirs(path: string, stopAt: string): string[] {
  const missing: string[] = [];
  for (let p = path; p !== stopAt && p !== '/' && !existsSync(p); p = dirname(p)) missing.unshift(p);
  return missing;
}

function mkdirAll(missing: string[]): void {
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
  }
}

function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = readFileSync(`${dir}/${file}`, 'utf8').trim();
    if (own === '') writeFileSync(`${dir}/${file}`, readFileSync(`${dirname(dir)}/${file}`, 'utf8').trim());
  }
}

/**
 * Moves pid into every hierarchy. The first write of a burst waits for a kernel RCU grace period
 * (~10 ms here); the container's plan keeps setting up its rootfs meanwhile (see build-plan.ts).
 * Synchronous on purpose: tsrun has nothing else to do, and the thread pool would cost its start.
 */
export function joinCgroups(placement: CgroupPlacement, pid: number): void {
  for (const path of Object.values(placement.paths)) {
    try {
      writeFileSync(`${path}/cgroup.procs`, String(pid));
    } catch (err) {
      throw new TsrunError(`placing pid ${pid} in cgroup ${path}: ${(err as Error).message}`);
    }
  }
}

/** Every pid in the container's cgroup (read from the first hierarchy that has one). */
export function cgroupPids(placement: CgroupPlacement): number[] {
  for (const path of Object.values(placement.paths)) {
    try {
      return readFileSync(`${path}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      /* try the next hierarchy */
    }
  }
  return [];
}

/**
 * Removes the directories tsrun made, innermost first. The container's own cgroup is emptied
 * with the cgroups its processes made inside it (systemd or a container engine in the container),
 * processes still inside are killed, and each removal is retried while the kernel says busy; a
 * parent tsrun made is removed only when nothing else uses it (a sibling container may). Every
 * directory is tried; what could not be removed is reported at the end, in one error.
 */
export function removeCgroups(placement: CgroupPlacement): void {
  const own = new Set(Object.values(placement.paths));
  const dirs = [...placement.created].sort((a, b) => b.length - a.length);
  const failed: string[] = [];
  for (const dir of dirs) {
    try {
      if (own.has(dir)) removeTree(dir);
      else removeIfUnused(dir);
    } catch (err) {
      failed.push((err as Error).message);
    }
  }
  if (failed.length > 0) throw new TsrunError(`removing cgroups: ${failed.join('; ')}`);
}

/**
 * How long one directory is retried: a killed process leaves its cgroup within milliseconds, and
 * the shim calls this in its one process, which answers nothing else meanwhile.
 */
const REMOVE_TIMEOUT_MS = 2_000;

/** Monotonic milliseconds; not `performance.now()`, whose first use loads perf_hooks (~2 ms a delete). */
const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

function removeTree(dir: string): void {
  const giveUpAt = monotonicMs() + REMOVE_TIMEOUT_MS;
  for (;;) {
    try {
      rmdirSync(dir); // the common case at once: no cgroups inside, no process left
      return;
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || monotonicMs() > giveUpAt) throw new TsrunError(`removing cgroup ${dir}: ${(err as Error).message}`);
    }
    // Busy: cgroups the container made inside (removed first, depth first), or processes still in it.
    for (const child of subdirectories(dir)) removeTree(child);
    killAllIn(dir);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  }
}

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
}

function removeIfUnused(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'EBUSY' || code === 'ENOTEMPTY') return; // gone, or still used by others
    throw new TsrunError(`removing cgroup ${dir}: ${(err as Error).message}`);
  }
}

function killAllIn(dir: string): void {
  // v2 (Linux 5.14+) kills the whole subtree at once, including processes forking meanwhile.
  if (existsSync(`${dir}/cgroup.kill`)) {
    try {
      writeFileSync(`${dir}/cgroup.kill`, '1');
      return;
    } catch {
      /* fall back to signalling each pid */
    }
  }
  let pids: number[] = [];
  try {
    pids = readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
