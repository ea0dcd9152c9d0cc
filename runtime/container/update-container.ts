import type { LinuxResources } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { detectCgroupLayout } from '../cgroups/cgroup-layout.ts';
import { applyResources } from '../cgroups/apply-resources.ts';
import { containerStatus } from './container-status.ts';
import type { StateStore } from './state-store.ts';

/** The parts of LinuxResources that `update` changes, as runc's update does; the rest is refused. */
const UPDATABLE = ['memory', 'cpu', 'blockIO', 'pids', 'unified'] as const;

/**
 * update: new limits for a live container. The patch is written to its cgroups (a value the kernel
 * refuses fails with the file and the value), then merged into the config tsrun keeps, so that
 * later reads see what is in force. Zeros mean "unchanged", as in runc (docker sends them).
 */
export function updateContainer(store: StateStore, id: string, patch: LinuxResources, source: string, warn?: (msg: string) => void): void {
  for (const key of Object.keys(patch)) {
    if (!(UPDATABLE as readonly string[]).includes(key)) throw new TsrunError(`${source}: ${key}: update cannot change it (only ${UPDATABLE.join(', ')})`);
  }
  store.withLock(id, () => {
    const record = store.load(id);
    const status = containerStatus(store, record);
    if (status === 'stopped') throw new TsrunError(`cannot update container ${id}: it is stopped`);
    const layout = detectCgroupLayout();
    const config = store.loadConfig(id);
    applyResources(layout, { paths: record.cgroupPaths, created: [] }, patch, config.linux?.resources ?? {}, warn);
    const linux = (config.linux ??= {});
    linux.resources = mergeResources(linux.resources ?? {}, patch);
    store.saveConfig(id, config);
  });
}

/** Fields of the patch that say something (not zero, not null) replace the stored ones. */
function mergeResources(base: LinuxResources, patch: LinuxResources): LinuxResources {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      const merged: Record<string, unknown> = { ...((out[key] as Record<string, unknown> | undefined) ?? {}) };
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== 0 && v !== null && v !== undefined) merged[k] = v;
      out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out as LinuxResources;
}
