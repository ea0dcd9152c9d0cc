import { TsrunError } from '../cli/errors.ts';
import { detectCgroupLayout, type CgroupLayout } from '../cgroups/cgroup-layout.ts';
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
 * Counts the OOM kills in a container's memory cgroup since the last look, from the cgroup's own
 * counter (v1 memory.oom_control, v2 memory.events oom_kill): `events` and the shim both report
 * OOM this way, and a counter cannot miss a kill between two looks as a sampled state could.
 */
export class OomCounter {
  private seen: number;

  constructor(private readonly layout: CgroupLayout, private readonly cgroupPaths: Record<string, string>) {
    this.seen = oomKills(layout, cgroupPaths);
  }

  /** Kills since the last call (or since construction); 0 once the cgroup is gone. */
  newKills(): number {
    const now = oomKills(this.layout, this.cgroupPaths);
    const fresh = Math.max(0, now - this.seen);
    this.seen = Math.max(this.seen, now);
    return fresh;
  }
}

/**
 * events: stats every interval and an `oom` event whenever the kernel kills in the container's
 * memory cgroup, until the container stops. OOM kills are read from the cgroup's own counter
 * (v1 memory.oom_control, v2 memory.events), checked several times per interval, so none is missed between samples.
 */
export async function followEvents(store: StateStore, id: string, intervalMs: number, emit: (e: ContainerEvent) => void): Promise<void> {
  const record = store.load(id);
  const layout = detectCgroupLayout();
  const ooms = new OomCounter(layout, record.cgroupPaths);
  const tick = Math.min(intervalMs, 100);
  let sinceStats = intervalMs; // the first stats right away
  for (;;) {
    const status = containerStatus(store, record);
    for (let n = ooms.newKills(); n > 0; n--) emit({ type: 'oom', id });
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
