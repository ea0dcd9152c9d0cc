import { readFileSync } from 'node:fs';
import { hierarchyFor, type CgroupLayout } from './cgroup-layout.ts';

/**
 * A container's resource usage from its v1 cgroups, in the shape of runc's `events` stats
 * (libcontainer/cgroups types.Stats as JSON): what `tsrun events` prints and what monitoring that
 * parses runc's output expects. A controller that is not mounted is left out.
 */
export interface MemoryEntry { limit: number; usage?: number; max?: number; failcnt: number }
export interface BlkioEntry { major: number; minor: number; op: string; value: number }
export interface Stats {
  cpu?: { usage: { total: number; percpu: number[]; percpu_kernel?: number[]; percpu_user?: number[]; kernel: number; user: number }; throttling: { periods?: number; throttled_periods?: number; throttled_time?: number } };
  memory?: { cache: number; usage: MemoryEntry; swap: MemoryEntry; kernel: MemoryEntry; kernelTCP: MemoryEntry; raw: Record<string, number>; use_hierarchy: boolean };
  pids?: { current: number; limit: number };
  blkio?: Record<string, BlkioEntry[]>;
  hugetlb?: Record<string, { usage: number; max: number; failcnt: number }>;
}

/** The cgroup directory of one controller, from the paths kept in the container's state. */
function dirOf(layout: CgroupLayout, paths: Record<string, string>, controller: string): string | undefined {
  const h = hierarchyFor(layout, controller);
  return h ? paths[h.mountpoint] : undefined;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
const num = (text: string | undefined): number => {
  const n = Number((text ?? '').trim());
  return Number.isFinite(n) ? n : 0;
};
/** "key value" lines, as memory.stat and cpu.stat are written. */
const keyed = (text: string | undefined): Record<string, number> =>
  Object.fromEntries((text ?? '').split('\n').filter(Boolean).map((l) => { const [k, v] = l.split(/\s+/); return [k!, Number(v)]; }));

// cpuacct.stat counts USER_HZ ticks (100 a second on Linux); runc reports nanoseconds.
const NS_PER_TICK = 1e9 / 100;

export function readStatsV1(layout: CgroupLayout, paths: Record<string, string>): Stats {
  const stats: Stats = {};
  const cpuacct = dirOf(layout, paths, 'cpuacct');
  const cpu = dirOf(layout, paths, 'cpu');
  if (cpuacct || cpu) {
    const percpu = (file: string) => (read(`${cpuacct}/${file}`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    const ticks = keyed(read(`${cpuacct}/cpuacct.stat`));
    const throttle = keyed(cpu ? read(`${cpu}/cpu.stat`) : undefined);
    stats.cpu = {
      usage: {
        total: num(read(`${cpuacct}/cpuacct.usage`)),
        percpu: percpu('cpuacct.usage_percpu'),
        percpu_kernel: percpu('cpuacct.usage_percpu_sys'),
        percpu_user: percpu('cpuacct.usage_percpu_user'),
        kernel: (ticks.system ?? 0) * NS_PER_TICK,
        user: (ticks.user ?? 0) * NS_PER_TICK,
      },
      throttling: { periods: throttle.nr_periods ?? 0, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0 },
    };
  }
  const mem = dirOf(layout, paths, 'memory');
  if (mem) {
    const entry = (prefix: string): MemoryEntry => ({
      limit: num(read(`${mem}/${prefix}limit_in_bytes`)),
      usage: num(read(`${mem}/${prefix}usage_in_bytes`)),
      max: num(read(`${mem}/${prefix}max_usage_in_bytes`)),
      failcnt: num(read(`${mem}/${prefix}failcnt`)),
    });
    const raw = keyed(read(`${mem}/memory.stat`));
    stats.memory = {
      cache: raw.cache ?? 0,
      usage: entry('memory.'),
      swap: entry('memory.memsw.'),
      kernel: entry('memory.kmem.'),
      kernelTCP: entry('memory.kmem.tcp.'),
      raw,
      use_hierarchy: num(read(`${mem}/memory.use_hierarchy`)) === 1,
    };
  }
  const pids = dirOf(layout, paths, 'pids');
  if (pids) {
    const max = (read(`${pids}/pids.max`) ?? '').trim();
    stats.pids = { current: num(read(`${pids}/pids.current`)), limit: max === 'max' ? 0 : num(max) };
  }
  const blkio = dirOf(layout, paths, 'blkio');
  if (blkio) {
    // The CFQ/BFQ files when the scheduler keeps them, else the throttle layer's (as runc falls back).
    const entries = (names: string[]) => {
      for (const name of names) {
        const text = read(`${blkio}/${name}`);
        if (!text) continue;
        const list = text.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && f[0]!.includes(':'))
          .map(([dev, op, value]) => { const [major, minor] = dev!.split(':').map(Number); return { major: major!, minor: minor!, op: op!, value: Number(value) }; });
        if (list.length > 0) return list;
      }
      return [];
    };
    stats.blkio = {
      ioServiceBytesRecursive: entries(['blkio.io_service_bytes_recursive', 'blkio.bfq.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive']),
      ioServicedRecursive: entries(['blkio.io_serviced_recursive', 'blkio.bfq.io_serviced_recursive', 'blkio.throttle.io_serviced_recursive']),
      ioQueuedRecursive: entries(['blkio.io_queued_recursive']),
      ioServiceTimeRecursive: entries(['blkio.io_service_time_recursive']),
      ioWaitTimeRecursive: entries(['blkio.io_wait_time_recursive']),
      ioMergedRecursive: entries(['blkio.io_merged_recursive']),
      ioTimeRecursive: entries(['blkio.time_recursive']),
      sectorsRecursive: entries(['blkio.sectors_recursive']),
    };
  }
  stats.hugetlb = {};
  return stats;
}

/** The kernel's count of OOM kills in the container's memory cgroup (memory.oom_control, Linux 4.13+). */
export function oomKillCount(layout: CgroupLayout, paths: Record<string, string>): number {
  const mem = dirOf(layout, paths, 'memory');
  return mem ? keyed(read(`${mem}/memory.oom_control`)).oom_kill ?? 0 : 0;
}
