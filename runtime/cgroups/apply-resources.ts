import type { LinuxResources } from '../../spec/types.ts';
import { installDeviceProgram } from './bpf-syscall.ts';
import type { CgroupLayout } from './cgroup-layout.ts';
import type { CgroupPlacement } from './cgroup-manager.ts';
import { deviceProgram, wantsDeviceProgram } from './device-program.ts';
import { V1_USAGE_FILES, V2_USAGE_FILES, checkMemoryBeforeUpdate } from './memory-usage-check.ts';
import { applyResourcesV1, memoryDirV1 } from './resources-v1.ts';
import { applyResourcesV2 } from './resources-v2.ts';

/**
 * Writes limits to the container's cgroups in whichever layout the host has: v1/hybrid files per
 * controller, or on pure v2 the unified files plus an eBPF program for the device rules.
 * `current` is the resources already in force (update), for v2 values computed from two fields.
 */
export function applyResources(
  layout: CgroupLayout,
  placement: CgroupPlacement,
  res: LinuxResources | undefined,
  current?: LinuxResources,
  warn: (msg: string) => void = () => {},
): void {
  if (!res) return;
  // Only an update has usage to compare with; the flag of the update wins over the one in force.
  const checkFirst = current !== undefined && Boolean(res.memory?.checkBeforeUpdate ?? current.memory?.checkBeforeUpdate);
  if (layout.kind !== 'unified') {
    const memDir = memoryDirV1(layout, placement);
    if (res.memory && memDir) checkMemoryBeforeUpdate(memDir, V1_USAGE_FILES, res.memory, checkFirst);
    return applyResourcesV1(layout, placement, res, warn);
  }
  const dir = unifiedDir(layout, placement);
  if (res.memory) checkMemoryBeforeUpdate(dir, V2_USAGE_FILES, res.memory, checkFirst);
  applyResourcesV2(dir, res, current);
  if (wantsDeviceProgram(res.devices)) installDeviceProgram(dir, deviceProgram(res.devices));
}

/** The container's one cgroup on a pure v2 host. */
export function unifiedDir(layout: CgroupLayout, placement: { paths: Record<string, string> }): string {
  const mountpoint = layout.hierarchies[0]?.mountpoint ?? '/sys/fs/cgroup';
  return placement.paths[mountpoint] ?? Object.values(placement.paths)[0]!;
}
