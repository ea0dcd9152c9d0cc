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
