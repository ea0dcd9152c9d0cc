/**
 * A tsrun killed with SIGKILL at any instant of `create` (an orchestrator's timeout, the OOM
 * killer) must leave nothing that a later `delete --force` cannot remove: no state directory, no
 * cgroup in any hierarchy, no waiting helper or container process, no mount. The kills are spread
 * over the whole length of a create measured first, so they land in every phase (validation,
 * cgroup creation, the helper's namespaces and mounts, hooks, the state write). Runs on this
 * machine's v1 layout and, through `npm run test:v2`, in the pure v2 guest.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { TSRUN, liveHelpers, mountCount, useTestRoot, waitFor } from './harness.ts';

/** Runs `tsrun create` and SIGKILLs it after `ms` (or lets it finish when ms is undefined). */
function createKilledAfter(state: string, bundle: string, id: string, ms: number | undefined): Promise<{ code: number | null; signal: NodeJS.Signals | null; took: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    // stdout must not be a pipe: the container's init would hold it open (runc's create does the same).
    const child = spawn('node', [TSRUN, '--root', state, 'create', '--bundle', bundle, id], { stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = ms === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, took: performance.now() - started });
    });
  });
}

describe('tsrun SIGKILLed in the middle of create', () => {
  const testRoot = useTestRoot('killed', { before, after });

  test('delete --force afterwards leaves no state, cgroup, process or mount, wherever the kill landed', async () => {
    const root = testRoot();
    const mountsBefore = mountCount();
    const helpersBefore = liveHelpers();
    // How long a whole create takes here (the guest's emulated CPU is far slower than this host).
    const probe = root.id();
    const whole = await createKilledAfter(root.state, root.bundle(probe, root.config(probe, ['sleep', '100'])), probe, undefined);
    assert.equal(whole.code, 0, 'a create that is left alone succeeds');
    assert.equal(root.tsrun(['delete', '--force', probe]).status, 0);

    let killedMidway = 0;
    const fractions = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95];
    for (const f of fractions) {
      const id = root.id();
      const r = await createKilledAfter(root.state, root.bundle(id, root.config(id, ['sleep', '100'])), id, Math.round(whole.took * f));
      if (r.signal === 'SIGKILL') killedMidway++;
      const del = root.tsrun(['delete', '--force', id]);
      assert.equal(del.status, 0, `delete --force after a kill at ${Math.round(f * 100)}% of create: ${del.stderr}`);
      assert.ok(!existsSync(`${root.state}/${id}`), `no state directory for ${id}`);
      const helpersLeft = () => liveHelpers().filter((p) => !helpersBefore.includes(p));
      assert.ok(await waitFor(() => helpersLeft().length === 0, 5000), `no helper or container process after a kill at ${Math.round(f * 100)}%: ${helpersLeft().join(' ')}`);
      assert.deepEqual(root.leftoverCgroups(), [], `no cgroup after a kill at ${Math.round(f * 100)}%`);
      assert.equal(mountCount(), mountsBefore, 'no mount in the host namespace');
    }
    assert.ok(killedMidway >= fractions.length / 2, `most kills landed before create finished (${killedMidway} of ${fractions.length})`);
  });
});
