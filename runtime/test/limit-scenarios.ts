/**
 * Enforcement scenarios that both cgroup layouts must pass (issue 5): the same container and the
 * same checks, with the layout's own way of reading the kernel's files.
 */
import assert from 'node:assert/strict';
import { waitFor, type Config, type TestRoot } from './harness.ts';

type Stats = { data: { cpu: { throttling: { throttled_periods: number } }; pids: { current: number; limit: number } } };

export function withResources(c: Config, resources: object): Config {
  const linux = c.linux as { resources?: Record<string, unknown> };
  linux.resources = { ...linux.resources, ...resources };
  return c;
}

/** A fork bomb in a container with pids.limit 20; `pidsFile(id, name)` reads the container's pids controller file. */
export async function forkBombStopsAtLimit(root: TestRoot, pidsFile: (id: string, name: string) => string): Promise<void> {
  const id = root.id();
  // sh gives up at its first failed fork: the bomb runs in a subshell, and the init takes the last free pid.
  const c = withResources(root.config(id, ['sh', '-c', '(while true; do sleep 1000 & done) 2>/dev/null; sleep 1000']), { pids: { limit: 20 } });
  assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
  try {
    assert.ok(await waitFor(() => /^max [1-9]/m.test(pidsFile(id, 'pids.events')), 30_000), 'the kernel refused a fork (pids.events max)');
    const current = Number(pidsFile(id, 'pids.current'));
    assert.ok(current <= 20 && current >= 15, `the bomb filled the container up to its limit: ${current} tasks`);
    const stats = JSON.parse(root.tsrun(['events', '--stats', id]).stdout) as Stats;
    assert.equal(stats.data.pids.limit, 20);
  } finally {
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  }
}

/**
 * A busy loop under a 10 ms per 100 ms quota: `events` sees throttled periods grow, and the
 * layout's own counters (`usage(id)`: cpu time in µs and periods so far) stay near the quota.
 */
export async function cpuQuotaThrottles(root: TestRoot, usage: (id: string) => { usec: number; periods: number }): Promise<void> {
  const id = root.id();
  const c = withResources(root.config(id, ['sh', '-c', 'while :; do :; done']), { cpu: { quota: 10000, period: 100000 } });
  assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
  try {
    const throttled = () => (JSON.parse(root.tsrun(['events', '--stats', id]).stdout) as Stats).data.cpu.throttling.throttled_periods;
    assert.ok(await waitFor(() => throttled() >= 3, 30_000), `throttled periods: ${throttled()}`);
    const { usec, periods } = usage(id);
    // 10 ms of every 100 ms period, with slack for the period in progress and emulation jitter.
    assert.ok(usec <= (periods + 2) * 10_000 * 1.5, `cpu usage ${usec} us in ${periods} periods`);
  } finally {
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  }
}
