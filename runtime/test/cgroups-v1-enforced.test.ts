/**
 * Limits on this machine's cgroup v1 hierarchies, enforced by the kernel: the v1 side of what
 * cgroups-v2.test.ts plays in the guest (a memory hog, a fork bomb, a busy loop under a quota).
 * A denied device on v1 is in isolation.test.ts; the oom event of `events` in events.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { UNIFIED, useTestRoot, waitFor, type Config } from './harness.ts';

const MiB = 2 ** 20;
type Stats = { data: { cpu: { throttling: { throttled_periods: number } }; pids: { current: number; limit: number } } };

describe('cgroup v1: the kernel enforces the limits tsrun writes', { skip: UNIFIED ? 'a pure v2 host: cgroups-v2.test.ts' : false }, () => {
  const testRoot = useTestRoot('v1-enforced', { before, after });
  const cg = (controller: string, id: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/${testRoot().cgroupParent}/${id}/${file}`, 'utf8').trim();
  const withResources = (c: Config, resources: object) => {
    const linux = c.linux as { resources?: Record<string, unknown> };
    linux.resources = { ...linux.resources, ...resources };
    return c;
  };

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

  test('a fork bomb stops at pids.limit', async () => {
    const root = testRoot();
    const id = root.id();
    // sh gives up at its first failed fork: the bomb runs in a subshell, and the init takes the last free pid.
    const c = withResources(root.config(id, ['sh', '-c', '(while true; do sleep 1000 & done) 2>/dev/null; sleep 1000']), { pids: { limit: 20 } });
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      assert.ok(await waitFor(() => /^max [1-9]/m.test(cg('pids', id, 'pids.events')), 30_000), 'the kernel refused a fork (pids.events max)');
      const current = Number(cg('pids', id, 'pids.current'));
      assert.ok(current <= 20 && current >= 15, `the bomb filled the container up to its limit: ${current} tasks`);
      const stats = JSON.parse(root.tsrun(['events', '--stats', id]).stdout) as Stats;
      assert.equal(stats.data.pids.limit, 20);
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });

  test('a cpu quota throttles a busy loop (nr_throttled grows, usage stays near the quota)', async () => {
    const root = testRoot();
    const id = root.id();
    const c = withResources(root.config(id, ['sh', '-c', 'while :; do :; done']), { cpu: { quota: 10000, period: 100000 } });
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      const throttled = () => (JSON.parse(root.tsrun(['events', '--stats', id]).stdout) as Stats).data.cpu.throttling.throttled_periods;
      assert.ok(await waitFor(() => throttled() >= 3, 30_000), `throttled periods: ${throttled()}`);
      assert.equal(cg('cpu', id, 'cpu.cfs_quota_us'), '10000');
      const stat = cg('cpu', id, 'cpu.stat');
      const periods = Number(/^nr_periods (\d+)/m.exec(stat)![1]);
      const usageNs = Number(cg('cpuacct', id, 'cpuacct.usage'));
      // 10 ms of every 100 ms period, with slack for the period in progress.
      assert.ok(usageNs <= (periods + 2) * 10_000_000 * 1.5, `cpu usage ${usageNs} ns in ${periods} periods`);
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });
});
