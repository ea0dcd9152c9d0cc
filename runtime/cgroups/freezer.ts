import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TsrunError } from '../cli/errors.ts';

/** The container's v1 freezer cgroup, if it has one (pause/resume need it). */
export function freezerDir(cgroupPaths: Record<string, string>): string | undefined {
  const entry = Object.entries(cgroupPaths).find(([mountpoint]) => /\/freezer$/.test(mountpoint) || mountpoint.split('/').pop()?.split(',').includes('freezer'));
  return entry?.[1];
}

export function isFrozen(cgroupPaths: Record<string, string>): boolean {
  const dir = freezerDir(cgroupPaths);
  if (!dir) return false;
  try {
    return readFileSync(`${dir}/freezer.state`, 'utf8').trim() !== 'THAWED';
  } catch {
    return false;
  }
}

/** Freezes or thaws, and waits until the kernel says it is done (FREEZING can take a moment). */
export function setFrozen(cgroupPaths: Record<string, string>, frozen: boolean): void {
  const dir = freezerDir(cgroupPaths);
  if (!dir || !existsSync(`${dir}/freezer.state`)) throw new TsrunError('pause/resume need the freezer cgroup controller, which is not mounted here');
  const want = frozen ? 'FROZEN' : 'THAWED';
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 5000; i++) {
    writeFileSync(`${dir}/freezer.state`, want);
    if (readFileSync(`${dir}/freezer.state`, 'utf8').trim() === want) return;
    Atomics.wait(sleeper, 0, 0, 1);
  }
  throw new TsrunError(`${dir}/freezer.state did not reach ${want}`);
}
