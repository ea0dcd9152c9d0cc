import type { LinuxResources } from '../../spec/types.ts';
import { installDeviceProgram } from './bpf-syscall.ts';
import type { CgroupLayout } from './cgroup-layout.ts';
import type { CgroupPlacement } from './cgroup-manager.ts';
import { deviceProgram, wantsDeviceProgram } from './device-program.ts';
import { applyResourcesV1 } from './resources-v1.ts';
import { applyResourcesV2 } from './resources-v2.ts';

/**
 * Writes limits to the container's cgroups in whichever layout the host has: v1/hybrid files per
 * controller, or on pure v2 the unified files plus an eBPF program for the device rules.
 * `current` is the resources already in force (update), for v2 values computed from two fields.
 */
export function applyResources(layout: CgroupLayout, placement: CgroupPlacement, res: LinuxResources | undefined, current?: LinuxResources): void {
  if (!res) return;
  if (layout.kind !== 'unified') return applyResourcesV1(layout, placement, res);
  const dir = unifiedDir(layout, placement);
  applyResourcesV2(dir, res, current);
  if (wantsDeviceProgram(res.devices)) installDeviceProgram(dir, deviceProgram(res.devices));
}

/** The container's one cgroup on a pure v2 host. */
export function unifiedDir(layout: CgroupLayout, placement: { paths: Record<string, string> }): string {
  const mountpoint = layout.hierarchies[0]?.mountpoint ?? '/sys/fs/cgroup';
  return placement.paths[mountpoint] ?? Object.values(placement.paths)[0]!;
}
