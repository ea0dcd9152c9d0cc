/**
 * Limits on this machine's cgroup v1 hierarchies, enforced by the kernel: the v1 side of what
 * cgroups-v2.test.ts plays in the guest (a memory hog, a fork bomb, a busy loop under a quota).
 * A denied device on v1 is in isolation.test.ts; the oom event of `events` in events.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { UNIFIED, useTestRoot } from './harness.ts';
import { cpuQuotaThrottles, forkBombStopsAtLimit, withResources } from './limit-scenarios.ts';

const MiB = 2 ** 20;

describe('cgroup v1: the kernel enforces the limits tsrun writes', { skip: UNIFIED ? 'a pure v2 host: cgroups-v2.test.ts' : false }, () => {
  const testRoot = useTestRoot('v1-enforced', { before, after });
  const cg = (controller: string, id: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/${testRoot().cgroupParent}/${id}/${file}`, 'utf8').trim();

  test('a memory hog is OOM-killed at its limit: exit 137, and memory.failcnt and the oom count say why', () => {
    const root = testRoot();
    const id = root.id();
    const c = withResources(root.config(id, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']), { memory: { limit: 16 * MiB, swap: 16 * MiB } });
    const r = root.tsrun(['run', '--keep', '--bundle', root.bundle(id, c), id]);
    try {
      assert.equal(r.status, 137, `${r.stdout} ${r.stderr}`);
      assert.equal(Number(cg('memory', id, 'memory.limit_in_bytes')), 16 * MiB);
      assert.match(cg('memory', id, 'memory.oom_control'), /^oom_kill [1-9]/m, 'the kernel OOM-killed in the container');
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });

  test('a fork bomb stops at pids.limit', () => forkBombStopsAtLimit(testRoot(), (id, name) => cg('pids', id, name)));

  test('a cpu quota throttles a busy loop (nr_throttled grows, usage stays near the quota)', () => cpuQuotaThrottles(testRoot(), (id) => {
    assert.equal(cg('cpu', id, 'cpu.cfs_quota_us'), '10000');
    const periods = Number(/^nr_periods (\d+)/m.exec(cg('cpu', id, 'cpu.stat'))![1]);
    return { usec: Number(cg('cpuacct', id, 'cpuacct.usage')) / 1000, periods };
  }));
});
