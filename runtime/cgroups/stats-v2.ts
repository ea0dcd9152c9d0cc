import { readdirSync, readFileSync } from 'node:fs';
import type { BlkioEntry, MemoryEntry, Stats } from './stats-v1.ts';

/**
 * A container's resource usage from its cgroup v2 files, in the same runc stats shape as on v1
 * (what runc's fs2 manager reports), so that `events` consumers need not know the layout.
 */

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
/** "max" is unlimited: reported as v1 reports an unlimited counter, a number Go's uint64 parses. */
const UNLIMITED = 9223372036854771712;
const num = (text: string | undefined): number => {
  const t = (text ?? '').trim();
  if (t === 'max') return UNLIMITED;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
};
/** "key value" lines (cpu.stat, memory.stat, memory.events). */
const keyed = (text: string | undefined): Record<string, number> =>
  Object.fromEntries((text ?? '').split('\n').filter(Boolean).map((l) => { const [k, v] = l.split(/\s+/); return [k!, Number(v)]; }));

export function readStatsV2(dir: string): Stats {
  const stats: Stats = {};
  const cpu = keyed(read(`${dir}/cpu.stat`));
  // cpu.stat counts microseconds; runc reports nanoseconds. No per-cpu usage on v2.
  stats.cpu = {
    usage: { total: (cpu.usage_usec ?? 0) * 1000, percpu: [], kernel: (cpu.system_usec ?? 0) * 1000, user: (cpu.user_usec ?? 0) * 1000 },
    throttling: { periods: cpu.nr_periods ?? 0, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000 },
  };
  const memCurrent = read(`${dir}/memory.current`);
  if (memCurrent !== undefined) {
    const raw = keyed(read(`${dir}/memory.stat`));
    const events = keyed(read(`${dir}/memory.events`));
    const usage: MemoryEntry = { usage: num(memCurrent), max: num(read(`${dir}/memory.peak`)), limit: num(read(`${dir}/memory.max`)), failcnt: events.max ?? 0 };
    // v1's memsw counts memory plus swap; runc reports v2's swap the same way so the numbers compare.
    const swapCurrent = num(read(`${dir}/memory.swap.current`));
    const swapMax = num(read(`${dir}/memory.swap.max`));
    const swap: MemoryEntry = {
      usage: usage.usage! + swapCurrent,
      limit: swapMax >= UNLIMITED || usage.limit >= UNLIMITED ? UNLIMITED : usage.limit + swapMax,
      failcnt: 0,
    };
    const none: MemoryEntry = { limit: 0, usage: 0, max: 0, failcnt: 0 };
    stats.memory = { cache: raw.file ?? 0, usage, swap, kernel: { ...none, usage: raw.kernel ?? raw.kernel_stack ?? 0 }, kernelTCP: none, raw, use_hierarchy: true };
  }
  const pidsCurrent = read(`${dir}/pids.current`);
  if (pidsCurrent !== undefined) {
    const max = num(read(`${dir}/pids.max`));
    stats.pids = { current: num(pidsCurrent), limit: max >= UNLIMITED ? 0 : max };
  }
  const io = read(`${dir}/io.stat`);
  if (io !== undefined) {
    // "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device
    const bytes: BlkioEntry[] = [];
    const ios: BlkioEntry[] = [];
    for (const line of io.split('\n').filter(Boolean)) {
      const [dev, ...fields] = line.trim().split(/\s+/);
      const [major, minor] = dev!.split(':').map(Number);
      const f = Object.fromEntries(fields.map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
      bytes.push({ major: major!, minor: minor!, op: 'Read', value: f.rbytes ?? 0 }, { major: major!, minor: minor!, op: 'Write', value: f.wbytes ?? 0 });
      ios.push({ major: major!, minor: minor!, op: 'Read', value: f.rios ?? 0 }, { major: major!, minor: minor!, op: 'Write', value: f.wios ?? 0 });
    }
    stats.blkio = { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios };
  }
  stats.hugetlb = hugetlbStats(dir);
  return stats;
}

/** Per page size: usage, limit and how often the limit was hit (hugetlb.<size>.events max). */
function hugetlbStats(dir: string): Record<string, { usage: number; max: number; failcnt: number }> {
  const out: Record<string, { usage: number; max: number; failcnt: number }> = {};
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const m = /^hugetlb\.([0-9]+[KMG]B)\.current$/.exec(name);
    if (!m) continue;
    const size = m[1]!;
    out[size] = { usage: num(read(`${dir}/${name}`)), max: num(read(`${dir}/hugetlb.${size}.max`)), failcnt: keyed(read(`${dir}/hugetlb.${size}.events`)).max ?? 0 };
  }
  return out;
}

/** memory.events: how often the cgroup hit low, high, max, OOM and how many the OOM killer killed (containerd's v2 metrics carry them). */
export function memoryEventsV2(dir: string): Record<string, number> {
  return keyed(read(`${dir}/memory.events`));
}

/** OOM kills in the container's cgroup and below (memory.events oom_kill). */
export function oomKillCountV2(dir: string): number {
  return memoryEventsV2(dir).oom_kill ?? 0;
}
