import type { Stats } from '../../cgroups/stats-v1.ts';
import { encodeMessage, type AnyMessage } from '../protocol/proto-schema.ts';

const V1_METRICS = 'io.containerd.cgroups.v1.Metrics';

/** tsrun's cgroup v1 stats (runc's shape) as containerd's cgroups v1 Metrics in an Any, what `ctr task metrics` decodes. */
export function metricsV1(stats: Stats): AnyMessage {
  const entry = (e?: { limit: number; usage?: number; max?: number; failcnt: number }) => e && { limit: e.limit, usage: e.usage ?? 0, max: e.max ?? 0, failcnt: e.failcnt };
  const raw = stats.memory?.raw ?? {};
  const blk = (key: string) => (stats.blkio?.[key] ?? []).map((b) => ({ op: b.op, major: b.major, minor: b.minor, value: b.value }));
  const metrics = {
    pids: stats.pids && { current: stats.pids.current, limit: stats.pids.limit },
    cpu: stats.cpu && {
      usage: { total: stats.cpu.usage.total, kernel: stats.cpu.usage.kernel, user: stats.cpu.usage.user, perCpu: stats.cpu.usage.percpu },
      throttling: { periods: stats.cpu.throttling.periods ?? 0, throttledPeriods: stats.cpu.throttling.throttled_periods ?? 0, throttledTime: stats.cpu.throttling.throttled_time ?? 0 },
    },
    memory: stats.memory && {
      cache: stats.memory.cache, rss: raw.rss ?? 0, rssHuge: raw.rss_huge ?? 0, mappedFile: raw.mapped_file ?? 0,
      dirty: raw.dirty ?? 0, writeback: raw.writeback ?? 0, pgPgIn: raw.pgpgin ?? 0, pgPgOut: raw.pgpgout ?? 0,
      pgFault: raw.pgfault ?? 0, pgMajFault: raw.pgmajfault ?? 0, inactiveAnon: raw.inactive_anon ?? 0,
      activeAnon: raw.active_anon ?? 0, inactiveFile: raw.inactive_file ?? 0, activeFile: raw.active_file ?? 0,
      unevictable: raw.unevictable ?? 0, hierarchicalMemoryLimit: raw.hierarchical_memory_limit ?? 0,
      hierarchicalSwapLimit: raw.hierarchical_memsw_limit ?? 0, totalCache: raw.total_cache ?? 0, totalRss: raw.total_rss ?? 0,
      usage: entry(stats.memory.usage), swap: entry(stats.memory.swap), kernel: entry(stats.memory.kernel), kernelTcp: entry(stats.memory.kernelTCP),
    },
    blkio: stats.blkio && { ioServiceBytesRecursive: blk('io_service_bytes_recursive'), ioServicedRecursive: blk('io_serviced_recursive') },
  };
  return { typeUrl: V1_METRICS, value: encodeMessage(V1_METRICS, metrics) };
}

const V2_METRICS = 'io.containerd.cgroups.v2.Metrics';

/** stats-v2.ts reports "max" as v1 reports an unlimited counter; containerd's cgroup2 stats report it as the largest uint64. */
const UNLIMITED_V1 = 9223372036854771712;
const MAX_UINT64 = '18446744073709551615';
const limitOf = (n: number): number | string => (n >= UNLIMITED_V1 ? MAX_UINT64 : n);

/** memory.stat keys that containerd's v2 MemoryStat carries, each under the camel-cased field of the same name. */
const MEMORY_STAT_KEYS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
];
const camel = (key: string) => key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/**
 * tsrun's stats of a unified (v2) cgroup (stats-v2.ts: runc's shape, as `tsrun events` prints it)
 * as containerd's cgroups v2 Metrics in an Any, what `ctr task metrics` decodes on such a host.
 * The runc shape is turned back where it differs: nanoseconds to the microseconds cgroup v2
 * counts, v1-style memory+swap to swap alone, per-operation blkio entries to one entry per device.
 * memory.events is not part of that shape and comes separately.
 */
export function metricsV2(stats: Stats, memoryEvents: Record<string, number> = {}): AnyMessage {
  const usec = (ns: number | undefined) => Math.floor((ns ?? 0) / 1000);
  const mem = stats.memory;
  const raw = mem?.raw ?? {};
  const devices = new Map<string, { major: number; minor: number; rbytes: number; wbytes: number; rios: number; wios: number }>();
  const add = (entries: { major: number; minor: number; op: string; value: number }[] | undefined, read: 'rbytes' | 'rios', write: 'wbytes' | 'wios') => {
    for (const e of entries ?? []) {
      const k = `${e.major}:${e.minor}`;
      let d = devices.get(k);
      if (!d) devices.set(k, (d = { major: e.major, minor: e.minor, rbytes: 0, wbytes: 0, rios: 0, wios: 0 }));
      if (e.op === 'Read') d[read] += e.value;
      else if (e.op === 'Write') d[write] += e.value;
    }
  };
  add(stats.blkio?.ioServiceBytesRecursive, 'rbytes', 'wbytes');
  add(stats.blkio?.ioServicedRecursive, 'rios', 'wios');
  const usage = mem?.usage.usage ?? 0;
  const memoryLimit = mem?.usage.limit ?? 0;
  const metrics = {
    pids: stats.pids && { current: stats.pids.current, limit: stats.pids.limit },
    cpu: stats.cpu && {
      usageUsec: usec(stats.cpu.usage.total), userUsec: usec(stats.cpu.usage.user), systemUsec: usec(stats.cpu.usage.kernel),
      nrPeriods: stats.cpu.throttling.periods ?? 0, nrThrottled: stats.cpu.throttling.throttled_periods ?? 0, throttledUsec: usec(stats.cpu.throttling.throttled_time),
    },
    memory: mem && {
      ...Object.fromEntries(MEMORY_STAT_KEYS.map((k) => [camel(k), raw[k] ?? 0])),
      usage, usageLimit: limitOf(memoryLimit), maxUsage: mem.usage.max ?? 0,
      // The runc shape's swap is memory+swap; its limit is unlimited when either one is (then so is swap's here).
      swapUsage: Math.max(0, (mem.swap.usage ?? 0) - usage),
      swapLimit: mem.swap.limit >= UNLIMITED_V1 || memoryLimit >= UNLIMITED_V1 ? MAX_UINT64 : Math.max(0, mem.swap.limit - memoryLimit),
    },
    io: devices.size ? { usage: [...devices.values()] } : undefined,
    hugetlb: Object.entries(stats.hugetlb ?? {}).map(([pagesize, h]) => ({ current: h.usage, max: limitOf(h.max), pagesize })),
    memoryEvents: { low: memoryEvents.low ?? 0, high: memoryEvents.high ?? 0, max: memoryEvents.max ?? 0, oom: memoryEvents.oom ?? 0, oomKill: memoryEvents.oom_kill ?? 0 },
  };
  return { typeUrl: V2_METRICS, value: encodeMessage(V2_METRICS, metrics) };
}
