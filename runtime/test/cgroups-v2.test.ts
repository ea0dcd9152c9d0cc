/**
 * Limits on a pure cgroup v2 host, enforced by a real kernel: these run in the guest that
 * scripts/cgroup-v2-guest boots (npm run test:v2); on this hybrid machine they are skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { TSRUN, UNIFIED, useTestRoot, waitFor, watchEvents } from './harness.ts';
import { cpuQuotaThrottles, forkBombStopsAtLimit, withResources } from './limit-scenarios.ts';

const skip = UNIFIED ? false : 'needs a pure cgroup v2 host (npm run test:v2 runs this file in a guest kernel)';
const MiB = 2 ** 20;
type Event = { type: string; id: string; data?: { cpu: { throttling: { throttled_periods: number } }; memory: { usage: { limit: number } }; pids: { current: number; limit: number } } };

describe('cgroup v2: limits, stats, freezer and devices on a pure v2 host', { skip }, () => {
  const testRoot = useTestRoot('v2', { before, after });
  const cgdir = (id: string) => `/sys/fs/cgroup/${testRoot().cgroupParent}/${id}`;
  const cg = (id: string, file: string) => readFileSync(`${cgdir(id)}/${file}`, 'utf8').trim();

  test('the container sees its limits in its own /sys/fs/cgroup, converted as runc converts them', () => {
    const root = testRoot();
    const id = root.id();
    const c = withResources(root.config(id, ['sh', '-c', 'cd /sys/fs/cgroup && cat memory.max memory.swap.max memory.low pids.max cpu.max cpu.weight cpuset.cpus']), {
      memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 16 * MiB },
      pids: { limit: 50 },
      cpu: { shares: 512, quota: 20000, period: 100000, cpus: '0' },
    });
    const r = root.run(id, c);
    assert.equal(r.status, 0, r.stderr);
    // swap is memory+swap on v1: 96 MiB - 64 MiB; weight = 1 + (512-2)*9999/262142
    assert.deepEqual(r.stdout.trim().split('\n'), [String(64 * MiB), String(32 * MiB), String(16 * MiB), '50', '20000 100000', '20', '0']);
  });

  test('a memory hog is OOM-killed at its limit (exit 137) and events reports the oom', async () => {
    const root = testRoot();
    const id = root.id();
    const hog = withResources(root.config(id, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']), { memory: { limit: 16 * MiB, swap: 16 * MiB } });
    const r = root.run(id, hog);
    assert.equal(r.status, 137, `${r.stdout} ${r.stderr}`);
    root.tsrun(['delete', '--force', id]);

    const id2 = root.id();
    // The hog starts on a signal sent once events is watching (node starts slowly under emulation).
    const c = withResources(root.config(id2, ['sh', '-c', 'trap "dd if=/dev/zero of=/dev/null bs=64M count=1" USR1; while :; do sleep 0.1; done']), { memory: { limit: 16 * MiB, swap: 16 * MiB } });
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id2, c), id2]).status, 0);
    const { events, exited } = watchEvents<Event>(root, id2, '500ms');
    const out = () => JSON.stringify(events()).slice(0, 2000);
    try {
      assert.ok(await waitFor(() => events().some((e) => e.type === 'stats'), 30_000), `events started; got ${out()}`);
      assert.equal(root.tsrun(['kill', id2, 'USR1']).status, 0);
      assert.ok(await waitFor(() => events().some((e) => e.type === 'oom'), 30_000), `an oom event; got ${out()}`);
      const stats = events().find((e) => e.type === 'stats');
      assert.equal(stats?.data?.memory.usage.limit, 16 * MiB, 'stats carry memory.max');
      assert.match(cg(id2, 'memory.events'), /^oom_kill [1-9]/m);
    } finally {
      root.tsrun(['kill', id2, 'KILL']);
    }
    assert.equal(await Promise.race([exited, new Promise((res) => setTimeout(() => res('still running'), 15_000))]), 0, 'events ends with the container');
    assert.equal(root.tsrun(['delete', '--force', id2]).status, 0);
  });

  test('a fork bomb stops at pids.limit', () => forkBombStopsAtLimit(testRoot(), cg));

  test('a cpu quota throttles a busy loop (nr_throttled grows)', () => cpuQuotaThrottles(testRoot(), (id: string) => ({
    usec: Number(/^usage_usec (\d+)/m.exec(cg(id, 'cpu.stat'))![1]),
    periods: Number(/^nr_periods (\d+)/m.exec(cg(id, 'cpu.stat'))![1]),
  })));

  test('device rules as an eBPF program: a denied device cannot be opened, an allowed one can, read-only stays read-only', () => {
    const root = testRoot();
    // hwrng (10:183) opens for reading only (writing: EINVAL from the driver); kmsg (1:11) opens
    // for writing without privileges. EPERM on either can only come from the device program.
    const probe = ['sh', '-c', [
      'head -c 1 /dev/hwrng-ro >/dev/null && echo hwrng-read-ok',
      '(echo x > /dev/hwrng-ro) 2>&1',
      '(echo x > /dev/kmsg-w) 2>&1 && echo kmsg-write-ok',
      'echo x > /dev/null && echo null-ok',
    ].join('; ')];
    const run = (devices: object[]) => {
      const id = root.id();
      const c = withResources(root.config(id, probe), { devices });
      (c.linux as Record<string, unknown>).devices = [
        { path: '/dev/hwrng-ro', type: 'c', major: 10, minor: 183, fileMode: 0o666 },
        { path: '/dev/kmsg-w', type: 'c', major: 1, minor: 11, fileMode: 0o666 },
      ];
      const r = root.run(id, c);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const limited = run([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 183, access: 'r' }]);
    assert.match(limited, /^hwrng-read-ok$/m);
    assert.match(limited, /can't create \/dev\/hwrng-ro: Operation not permitted/);
    assert.match(limited, /can't create \/dev\/kmsg-w: Operation not permitted/);
    assert.match(limited, /^null-ok$/m, 'runc\'s default devices stay usable');
    // The same probe with every device allowed: what the program above took away.
    const open = run([{ allow: true, access: 'rwm' }]);
    assert.match(open, /^kmsg-write-ok$/m);
    assert.match(open, /can't create \/dev\/hwrng-ro: Invalid argument/);
  });

  test('pause and resume freeze the cgroup (cgroup.freeze, cgroup.events); delete --force of a paused container works', () => {
    const root = testRoot();
    const id = root.id();
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, root.config(id, ['sleep', '1000'])), id]).status, 0);
    assert.equal(root.tsrun(['pause', id]).status, 0);
    assert.match(cg(id, 'cgroup.events'), /^frozen 1$/m);
    assert.equal(JSON.parse(root.tsrun(['state', id]).stdout).status, 'paused');
    assert.equal(root.tsrun(['resume', id]).status, 0);
    assert.match(cg(id, 'cgroup.events'), /^frozen 0$/m);
    assert.equal(JSON.parse(root.tsrun(['state', id]).stdout).status, 'running');
    assert.equal(root.tsrun(['pause', id]).status, 0);
    const del = root.tsrun(['delete', '--force', id]);
    assert.equal(del.status, 0, del.stderr);
    assert.equal(existsSync(cgdir(id)), false, 'the cgroup is gone');
  });

  test('update: memory, swap, cpu, pids and unified files of a running container', () => {
    const root = testRoot();
    const id = root.id();
    const c = withResources(root.config(id, ['sleep', '1000']), { memory: { limit: 32 * MiB } });
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      const r = root.tsrun(['update', '--memory', '128m', '--memory-swap', '256m', '--cpu-share', '1024', '--cpu-quota', '50000', '--cpu-period', '100000', '--pids-limit', '64', id]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(cg(id, 'memory.max'), String(128 * MiB));
      assert.equal(cg(id, 'memory.swap.max'), String(128 * MiB));
      assert.equal(cg(id, 'cpu.weight'), '39');
      assert.equal(cg(id, 'cpu.max'), '50000 100000');
      assert.equal(cg(id, 'pids.max'), '64');
      const swapOnly = root.tsrun(['update', '--memory-swap', '200m', id]);
      assert.equal(swapOnly.status, 0, swapOnly.stderr);
      assert.equal(cg(id, 'memory.swap.max'), String(72 * MiB), 'swap alone is computed against the limit in force');
      const unified = spawnSync('node', [TSRUN, '--root', root.state, 'update', '-r', '-', id], { input: JSON.stringify({ unified: { 'memory.high': String(100 * MiB) } }), encoding: 'utf8' });
      assert.equal(unified.status, 0, unified.stderr);
      assert.equal(cg(id, 'memory.high'), String(100 * MiB));
      const refused = root.tsrun(['update', '--cpu-share', '1', '--cpu-quota', '-5', id]);
      assert.notEqual(refused.status, 0);
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });

  test('update with memory.checkBeforeUpdate: a limit below memory.current is refused before anything is written', () => {
    const root = testRoot();
    const id = root.id();
    const c = withResources(root.config(id, ['sleep', '1000']), { memory: { limit: 64 * MiB, checkBeforeUpdate: true } });
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      const usage = Number(cg(id, 'memory.current'));
      assert.ok(usage > 8192, `the container uses ${usage} bytes`);
      const r = root.tsrun(['update', '--memory', '4096', id]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /memory\.limit: the new limit 4096 is below the \d+ bytes the container uses now \(memory\.checkBeforeUpdate is set\)/);
      assert.equal(cg(id, 'memory.max'), String(64 * MiB), 'the limit in force is unchanged');
      assert.equal(JSON.parse(root.tsrun(['state', id]).stdout).status, 'running', 'no OOM kill');
      const ok = root.tsrun(['update', '--memory', '32m', id]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(cg(id, 'memory.max'), String(32 * MiB));
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });

  test('a value the kernel refuses fails with the field, the file, the value and the errno; nothing is left behind', () => {
    const root = testRoot();
    for (const [unified, pattern] of [
      [{ 'memory.max': 'lots' }, /linux\.resources\.unified\.memory\.max: writing "lots" to \/sys\/fs\/cgroup\/.*\/memory\.max: EINVAL/],
      [{ '../escape.max': '1' }, /linux\.resources\.unified: "\.\.\/escape\.max" is not the name of a cgroup v2 file/],
      [{ 'nosuch.file': '1' }, /linux\.resources\.unified\.nosuch\.file: .*nosuch\.file does not exist/],
    ] as const) {
      const id = root.id();
      const r = root.run(id, withResources(root.config(id, ['true']), { unified }));
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr.trim(), pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.equal(existsSync(cgdir(id)), false, 'no cgroup left');
      assert.deepEqual(root.leftoverState(), []);
    }
  });
});
