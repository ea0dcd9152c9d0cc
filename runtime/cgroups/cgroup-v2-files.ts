import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { TsrunError, errnoOf } from '../cli/errors.ts';

/** The kernel's refusal as a user reads it: "EINVAL (invalid argument)". */
export function kernelSays(err: unknown): string {
  const code = errnoOf(err) ?? 'error';
  const text = /^[A-Z]+: ([^,]+)/.exec((err as Error).message)?.[1];
  return text ? `${code} (${text})` : code;
}

/**
 * Writes one value to one file of a cgroup. `field` is the config field the value came from, so
 * that a refusal names what the user wrote, the file and the errno; a missing file means the
 * controller is not enabled for this cgroup (or the kernel does not have it).
 */
export function writeCgroupFile(dir: string, file: string, value: string | number, field: string): void {
  const path = `${dir}/${file}`;
  if (!existsSync(path)) throw new TsrunError(`linux.resources.${field}: ${path} does not exist (the ${file.split('.')[0]} controller is not available to this cgroup)`);
  try {
    writeFileSync(path, String(value));
  } catch (err) {
    throw new TsrunError(`linux.resources.${field}: writing ${JSON.stringify(String(value))} to ${path}: ${kernelSays(err)}`);
  }
}

/** The controllers the kernel offers a v2 cgroup (its cgroup.controllers). */
export function availableControllers(dir: string): string[] {
  try {
    return readFileSync(`${dir}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Enables every controller the hierarchy offers in cgroup.subtree_control of each ancestor of
 * `dir`, from the root down, as runc does on v2: a controller's files exist in a cgroup only when
 * its parent delegates it, and stats and `update` need them even when create set no limit.
 * A controller an ancestor cannot delegate (one that holds processes itself, "no internal
 * processes") is skipped; a limit that needs it then fails naming the missing file.
 */
export function enableControllers(mountpoint: string, dir: string): void {
  const inner = relative(mountpoint, dirname(dir));
  if (inner.startsWith('..')) return;
  const chain = [mountpoint];
  for (const part of inner.split('/').filter(Boolean)) chain.push(`${chain[chain.length - 1]}/${part}`);
  for (const parent of chain) {
    let enabled: Set<string>;
    try {
      enabled = new Set(readFileSync(`${parent}/cgroup.subtree_control`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch {
      continue;
    }
    for (const c of availableControllers(parent)) {
      if (enabled.has(c)) continue;
      try {
        writeFileSync(`${parent}/cgroup.subtree_control`, `+${c}`);
      } catch {
        /* see above: reported by the write that needs it */
      }
    }
  }
}
