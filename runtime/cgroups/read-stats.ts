import type { CgroupLayout } from './cgroup-layout.ts';
import { unifiedDir } from './apply-resources.ts';
import { oomKillCount, readStatsV1, type Stats } from './stats-v1.ts';
import { oomKillCountV2, readStatsV2 } from './stats-v2.ts';

/** runc-shaped stats of a container's cgroups, whatever the layout. */
export function readStats(layout: CgroupLayout, paths: Record<string, string>): Stats {
  return layout.kind === 'unified' ? readStatsV2(unifiedDir(layout, { paths })) : readStatsV1(layout, paths);
}

/** How many times the kernel's OOM killer has killed in the container's cgroup. */
export function oomKills(layout: CgroupLayout, paths: Record<string, string>): number {
  return layout.kind === 'unified' ? oomKillCountV2(unifiedDir(layout, { paths })) : oomKillCount(layout, paths);
}
