import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TsrunError } from '../cli/errors.ts';

/**
 * pause/resume. v1: the freezer controller's freezer.state. v2: the core's cgroup.freeze, whose
 * effect shows in cgroup.events ("frozen 1") once every process has stopped.
 */
interface Freezer { version: 1 | 2; dir: string }

function freezerOf(cgroupPaths: Record<string, string>): Freezer | undefined {
  const v1 = Object.entries(cgroupPaths).find(([mountpoint]) => /\/freezer$/.test(mountpoint) || mountpoint.split('/').pop()?.split(',').includes('freezer'));
  if (v1) return { version: 1, dir: v1[1] };
  const v2 = Object.values(cgroupPaths).find((dir) => existsSync(`${dir}/cgroup.freeze`));
  return v2 ? { version: 2, dir: v2 } : undefined;
}

const readTrim = (path: string) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};
const v2Frozen = (dir: string) => /^frozen 1$/m.test(readTrim(`${dir}/cgroup.events`) ?? '');

export function isFrozen(cgroupPaths: Record<string, string>): boolean {
  const f = freezerOf(cgroupPaths);
  if (!f) return false;
  if (f.version === 2) return readTrim(`${f.dir}/cgroup.freeze`) === '1';
  const state = readTrim(`${f.dir}/freezer.state`);
  return state !== undefined && state !== 'THAWED';
}

/** Freezes or thaws, and waits until the kernel says it is done (freezing can take a moment). */
export function setFrozen(cgroupPaths: Record<string, string>, frozen: boolean): void {
  const f = freezerOf(cgroupPaths);
  if (!f || (f.version === 1 && !existsSync(`${f.dir}/freezer.state`)))
    throw new TsrunError('pause/resume need the freezer cgroup controller, which is not mounted here');
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  if (f.version === 2) {
    writeFileSync(`${f.dir}/cgroup.freeze`, frozen ? '1' : '0');
    for (let i = 0; i < 5000; i++) {
      if (v2Frozen(f.dir) === frozen) return;
      Atomics.wait(sleeper, 0, 0, 1);
    }
    throw new TsrunError(`${f.dir}/cgroup.events did not report frozen ${frozen ? 1 : 0}`);
  }
  const want = frozen ? 'FROZEN' : 'THAWED';
  for (let i = 0; i < 5000; i++) {
    writeFileSync(`${f.dir}/freezer.state`, want);
    if (readTrim(`${f.dir}/freezer.state`) === want) return;
    Atomics.wait(sleeper, 0, 0, 1);
  }
  throw new TsrunError(`${f.dir}/freezer.state did not reach ${want}`);
}
