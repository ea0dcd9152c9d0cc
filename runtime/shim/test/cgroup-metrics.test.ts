/**
 * The Stats encodings, decoded with protobufjs's own .proto parser from the message definitions
 * written out below (containerd/cgroups cgroup2/stats/metrics.proto, field for field), not with
 * the shim's compact schema: a wrong field number or type on either side shows up as a wrong value.
 * No cgroup is needed: the input is a stats object as stats-v2.ts makes one.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type * as Protobuf from 'protobufjs';
import type { Stats } from '../../cgroups/stats-v1.ts';
import { metricsV1, metricsV2 } from '../task/cgroup-metrics.ts';

const protobuf = createRequire(import.meta.url)('protobufjs') as typeof Protobuf;

const V2_PROTO = `
syntax = "proto3";
package io.containerd.cgroups.v2;
message Metrics {
  PidsStat pids = 1; CPUStat cpu = 2; MemoryStat memory = 4; RdmaStat rdma = 5; IOStat io = 6;
  repeated HugeTlbStat hugetlb = 7; MemoryEvents memory_events = 8;
}
message PidsStat { uint64 current = 1; uint64 limit = 2; }
message CPUStat { uint64 usage_usec = 1; uint64 user_usec = 2; uint64 system_usec = 3; uint64 nr_periods = 4; uint64 nr_throttled = 5; uint64 throttled_usec = 6; }
message MemoryStat {
  uint64 anon = 1; uint64 file = 2; uint64 kernel_stack = 3; uint64 slab = 4; uint64 sock = 5; uint64 shmem = 6;
  uint64 file_mapped = 7; uint64 file_dirty = 8; uint64 file_writeback = 9; uint64 anon_thp = 10; uint64 inactive_anon = 11;
  uint64 active_anon = 12; uint64 inactive_file = 13; uint64 active_file = 14; uint64 unevictable = 15; uint64 slab_reclaimable = 16;
  uint64 slab_unreclaimable = 17; uint64 pgfault = 18; uint64 pgmajfault = 19; uint64 workingset_refault = 20;
  uint64 workingset_activate = 21; uint64 workingset_nodereclaim = 22; uint64 pgrefill = 23; uint64 pgscan = 24; uint64 pgsteal = 25;
  uint64 pgactivate = 26; uint64 pgdeactivate = 27; uint64 pglazyfree = 28; uint64 pglazyfreed = 29; uint64 thp_fault_alloc = 30;
  uint64 thp_collapse_alloc = 31; uint64 usage = 32; uint64 usage_limit = 33; uint64 swap_usage = 34; uint64 swap_limit = 35;
  uint64 max_usage = 36; uint64 swap_max_usage = 37;
}
message MemoryEvents { uint64 low = 1; uint64 high = 2; uint64 max = 3; uint64 oom = 4; uint64 oom_kill = 5; }
message RdmaStat { repeated RdmaEntry current = 1; repeated RdmaEntry limit = 2; }
message RdmaEntry { string device = 1; uint32 hca_handles = 2; uint32 hca_objects = 3; }
message IOStat { repeated IOEntry usage = 1; }
message IOEntry { uint64 major = 1; uint64 minor = 2; uint64 rbytes = 3; uint64 wbytes = 4; uint64 rios = 5; uint64 wios = 6; }
message HugeTlbStat { uint64 current = 1; uint64 max = 2; string pagesize = 3; }
`;

const decode = (proto: string, type: string, bytes: Uint8Array) => {
  const t = protobuf.parse(proto, { keepCase: true }).root.lookupType(type);
  return t.toObject(t.decode(bytes), { longs: String, defaults: true, arrays: true }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};

const UNLIMITED = 9223372036854771712;

/** What stats-v2.ts reads from a cgroup with a 64 MiB limit, no swap limit, two devices' io and one hugetlb size. */
const v2Stats: Stats = {
  cpu: { usage: { total: 5_000_000, percpu: [], kernel: 2_000_000, user: 3_000_000 }, throttling: { periods: 10, throttled_periods: 2, throttled_time: 7_000 } },
  memory: {
    cache: 4096, raw: { anon: 1_048_576, file: 4096, kernel_stack: 16384, slab_unreclaimable: 777, pgfault: 900, thp_collapse_alloc: 3, workingset_nodereclaim: 5 },
    usage: { usage: 2_000_000, max: 3_000_000, limit: 64 * 2 ** 20, failcnt: 4 },
    swap: { usage: 2_000_000 + 8192, limit: UNLIMITED, failcnt: 0 },
    kernel: { limit: 0, usage: 0, max: 0, failcnt: 0 }, kernelTCP: { limit: 0, usage: 0, max: 0, failcnt: 0 }, use_hierarchy: true,
  },
  pids: { current: 3, limit: 100 },
  blkio: {
    ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 100 }, { major: 8, minor: 0, op: 'Write', value: 200 }, { major: 254, minor: 1, op: 'Read', value: 5 }, { major: 254, minor: 1, op: 'Write', value: 6 }],
    ioServicedRecursive: [{ major: 8, minor: 0, op: 'Read', value: 1 }, { major: 8, minor: 0, op: 'Write', value: 2 }, { major: 254, minor: 1, op: 'Read', value: 3 }, { major: 254, minor: 1, op: 'Write', value: 4 }],
  },
  hugetlb: { '2MB': { usage: 2 * 2 ** 20, max: UNLIMITED, failcnt: 0 } },
};

describe('Stats as containerd\'s cgroups metrics', () => {
  test('v2: io.containerd.cgroups.v2.Metrics in the Any, every field where containerd\'s proto has it', () => {
    const any = metricsV2(v2Stats, { low: 0, high: 1, max: 4, oom: 2, oom_kill: 1 });
    assert.equal(any.typeUrl, 'io.containerd.cgroups.v2.Metrics');
    const m = decode(V2_PROTO, 'io.containerd.cgroups.v2.Metrics', any.value);
    assert.deepEqual(m.pids, { current: '3', limit: '100' });
    assert.deepEqual(m.cpu, { usage_usec: '5000', user_usec: '3000', system_usec: '2000', nr_periods: '10', nr_throttled: '2', throttled_usec: '7' });
    assert.equal(m.memory.anon, '1048576');
    assert.equal(m.memory.file, '4096');
    assert.equal(m.memory.kernel_stack, '16384');
    assert.equal(m.memory.slab_unreclaimable, '777');
    assert.equal(m.memory.pgfault, '900');
    assert.equal(m.memory.thp_collapse_alloc, '3');
    assert.equal(m.memory.workingset_nodereclaim, '5');
    assert.equal(m.memory.shmem, '0', 'absent from memory.stat: zero');
    assert.equal(m.memory.usage, '2000000');
    assert.equal(m.memory.usage_limit, String(64 * 2 ** 20));
    assert.equal(m.memory.max_usage, '3000000');
    assert.equal(m.memory.swap_usage, '8192', 'swap alone, not memory+swap');
    assert.equal(m.memory.swap_limit, '18446744073709551615', 'unlimited as containerd\'s cgroup2 reports "max"');
    assert.deepEqual(m.io.usage, [
      { major: '8', minor: '0', rbytes: '100', wbytes: '200', rios: '1', wios: '2' },
      { major: '254', minor: '1', rbytes: '5', wbytes: '6', rios: '3', wios: '4' },
    ]);
    assert.deepEqual(m.hugetlb, [{ current: String(2 * 2 ** 20), max: '18446744073709551615', pagesize: '2MB' }]);
    assert.deepEqual(m.memory_events, { low: '0', high: '1', max: '4', oom: '2', oom_kill: '1' });
    assert.equal(m.rdma, null);
  });

  test('v2: a cgroup without the memory and io controllers encodes without those messages', () => {
    const any = metricsV2({ cpu: v2Stats.cpu, pids: v2Stats.pids, hugetlb: {} });
    const m = decode(V2_PROTO, 'io.containerd.cgroups.v2.Metrics', any.value);
    assert.equal(m.memory, null);
    assert.equal(m.io, null);
    assert.deepEqual(m.hugetlb, []);
    assert.equal(m.cpu.usage_usec, '5000');
  });

  test('v1 stays io.containerd.cgroups.v1.Metrics', () => {
    const any = metricsV1({ pids: { current: 1, limit: 0 } });
    assert.equal(any.typeUrl, 'io.containerd.cgroups.v1.Metrics');
    const m = decode('syntax = "proto3"; package io.containerd.cgroups.v1; message Metrics { PidsStat pids = 2; } message PidsStat { uint64 current = 1; uint64 limit = 2; }', 'io.containerd.cgroups.v1.Metrics', any.value);
    assert.deepEqual(m.pids, { current: '1', limit: '0' });
  });
});
