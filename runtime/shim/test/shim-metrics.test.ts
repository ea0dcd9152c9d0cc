/**
 * `ctr task metrics` through the tsrun shim decodes what Stats returns: cgroup v1 metrics on this
 * host, v2 metrics on a pure v2 hierarchy (run there with npm run test:v2, in the qemu guest). ctr
 * itself is the check that the Any's type URL and the message are what containerd expects: it
 * prints a v1 or a v2 table only for the types it knows. Root and containerd required.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { IMAGE, leftovers, startShimEnv, type ShimEnv } from './shim-env.ts';

const canRun = process.getuid?.() === 0 && spawnSync('containerd', ['--version']).status === 0;
const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');

describe(`ctr task metrics with the tsrun shim (cgroup ${unified ? 'v2' : 'v1'})`, { skip: !canRun && 'needs root and containerd' }, () => {
  let env: ShimEnv;
  before(async () => { env = await startShimEnv('metrics'); });
  after(async () => {
    await env.stop();
    assert.deepEqual(leftovers(env), []);
  });

  test('the metrics table of this host\'s cgroup version, with the running task counted', () => {
    const id = `metrics-${process.pid}`;
    const run = env.ctr(['run', '-d', '--runtime', 'io.containerd.tsrun.v2', '--memory-limit', String(64 * 2 ** 20), '--cgroup', `/${env.cgroupParent}/${id}`, IMAGE, id, 'sleep', '1000']);
    assert.equal(run.status, 0, run.stderr);
    try {
      const m = env.ctr(['task', 'metrics', id]);
      assert.equal(m.status, 0, m.stderr);
      if (unified) {
        // ctr's v2 table: cgroup2 names (memory.usage, memory.usage_limit), not v1's usage_in_bytes.
        assert.match(m.stdout, /pids\.current\s+1\b/);
        assert.match(m.stdout, /memory\.usage\s+[1-9]\d*/);
        assert.match(m.stdout, new RegExp(`memory\\.usage_limit\\s+${64 * 2 ** 20}\\b`));
        assert.doesNotMatch(m.stdout, /usage_in_bytes/);
      } else {
        assert.match(m.stdout, /pids\.current\s+1\b/);
        assert.match(m.stdout, /memory\.usage_in_bytes\s+[1-9]\d*/);
        assert.match(m.stdout, new RegExp(`memory\\.limit_in_bytes\\s+${64 * 2 ** 20}\\b`));
      }
    } finally {
      env.ctr(['task', 'kill', '-s', 'SIGKILL', id]);
      for (let i = 0; i < 100 && env.ctr(['task', 'rm', id]).status !== 0; i++) spawnSync('sleep', ['0.1']);
      env.ctr(['container', 'rm', id]);
    }
  });
});
