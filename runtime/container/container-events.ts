import { TsrunError } from '../cli/errors.ts';
import { detectCgroupLayout } from '../cgroups/cgroup-layout.ts';
import { oomKills, readStats } from '../cgroups/read-stats.ts';
import type { Stats } from '../cgroups/stats-v1.ts';
import { containerStatus } from './container-status.ts';
import type { StateStore } from './state-store.ts';

export type ContainerEvent = { type: 'stats'; id: string; data: Stats } | { type: 'oom'; id: string };

/** One stats snapshot of a live container (events --stats). */
export function containerStats(store: StateStore, id: string): ContainerEvent {
  const record = store.load(id);
  const status = containerStatus(store, record);
  if (status === 'stopped') throw new TsrunError(`container ${id} is not running`);
  const layout = detectCgroupLayout();
  return { type: 'stats', id, data: readStats(layout, record.cgroupPaths) };
}

/**
 * events: stats every interval and an `oom` event whenever the kernel kills in the container's
 * memory cgroup, until the container stops. OOM kills are read from the cgroup's own counter
 * (v1 memory.oom_control, v2 memory.events), checked several times per interval, so none is missed between samples.
 */
export async function followEvents(store: StateStore, id: string, intervalMs: number, emit: (e: ContainerEvent) => void): Promise<void> {
  const record = store.load(id);
  const layout = detectCgroupLayout();
  let ooms = oomKills(layout, record.cgroupPaths);
  const tick = Math.min(intervalMs, 100);
  let sinceStats = intervalMs; // the first stats right away
  for (;;) {
    const status = containerStatus(store, record);
    const now = oomKills(layout, record.cgroupPaths);
    for (; ooms < now; ooms++) emit({ type: 'oom', id });
    if (status === 'stopped') return;
    if (sinceStats >= intervalMs) {
      emit({ type: 'stats', id, data: readStats(layout, record.cgroupPaths) });
      sinceStats = 0;
    }
    await new Promise((r) => setTimeout(r, tick));
    sinceStats += tick;
  }
}

/** Go's duration syntax, as runc's --interval takes it: "5s", "100ms", "1m30s". */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text))) { total += Number(m[1]) * units[m[2]!]!; at = re.lastIndex; }
  if (text === '' || at !== text.length || total <= 0) throw new TsrunError(`--interval: ${JSON.stringify(text)} is not a duration (e.g. 5s, 500ms)`);
  return total;
}
