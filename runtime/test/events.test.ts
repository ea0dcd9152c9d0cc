import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useTestRoot, waitFor, watchEvents } from './harness.ts';

type Event = { type: string; id: string; data?: any };

describe('events: stats and OOM notifications, as runc prints them', () => {
  const testRoot = useTestRoot('events', { before, after });

  test('events --stats: one JSON line with cpu, memory and pids of the container', async () => {
    const root = testRoot();
    const id = root.id();
    const c = root.config(id, ['sh', '-c', 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; touch /tmp/done; sleep 1000']);
    c.root.readonly = false;
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    (c.linux as Record<string, unknown>).resources = { memory: { limit: 64 * 2 ** 20 }, pids: { limit: 50 } };
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      const r = root.tsrun(['events', '--stats', id]);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      const e = JSON.parse(lines[0]!) as Event;
      assert.equal(e.type, 'stats');
      assert.equal(e.id, id);
      assert.equal(e.data.memory.usage.limit, 64 * 2 ** 20);
      assert.ok(e.data.memory.usage.usage > 0, 'memory in use');
      assert.equal(e.data.pids.limit, 50);
      assert.ok(e.data.pids.current >= 1);
      assert.ok(e.data.cpu.usage.total > 0, 'cpu time used');
      assert.equal(e.data.cpu.usage.percpu.length, (await import('node:os')).cpus().length);
    } finally {
      root.tsrun(['delete', '--force', id]);
    }
    const gone = root.tsrun(['events', '--stats', id]);
    assert.notEqual(gone.status, 0);
    assert.match(gone.stderr, /does not exist/);
  });

  test('events --interval: stats lines on a schedule and an oom event when the kernel kills in the container; ends when it stops', async () => {
    const root = testRoot();
    const id = root.id();
    // dd's 64 MiB buffer does not fit in a 16 MiB cgroup: the OOM killer takes dd; sh stays.
    const c = root.config(id, ['sh', '-c', 'sleep 0.6; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000']);
    (c.linux as Record<string, unknown>).resources = { memory: { limit: 16 * 2 ** 20, swap: 16 * 2 ** 20 } };
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    const { events, exited } = watchEvents<Event>(root, id, '200ms');
    const out = () => JSON.stringify(events());
    try {
      assert.ok(await waitFor(() => events().some((e) => e.type === 'oom'), 10_000), `an oom event; got ${out()}`);
      assert.ok(await waitFor(() => events().filter((e) => e.type === 'stats').length >= 3, 5000), 'stats keep coming');
      assert.ok(events().every((e) => e.id === id));
    } finally {
      root.tsrun(['kill', id, 'KILL']);
    }
    assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 5000))]), 0, 'events ends with the container');
    root.tsrun(['delete', '--force', id]);
    const bad = root.tsrun(['events', '--interval', 'soon', id]);
    assert.match(bad.stderr, /--interval: "soon" is not a duration/);
  });
});
