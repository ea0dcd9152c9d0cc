import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TSRUN, TestRoot, waitFor } from './harness.ts';

describe('signals, kill --all, locking and recycled pids', () => {
  let root: TestRoot;
  before(() => { root = new TestRoot('sig'); });
  after(() => {
    const left = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(left, []);
  });
  const state = (id: string) => JSON.parse(root.tsrun(['state', id]).stdout) as { status: string; pid: number };

  test('run in the foreground forwards SIGTERM to the container and exits with its status', async () => {
    const id = root.id();
    const out = join(root.dir, 'sig-out');
    const bundle = root.bundle(id, root.config(id, ['sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.05; done']));
    const child = spawn('node', [TSRUN, '--root', root.state, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); writeFileSync(out, text); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    assert.ok(await waitFor(() => text.includes('ready')), 'container started');
    child.kill('SIGTERM');
    assert.equal(await exited, 42);
    assert.match(text, /got-term/);
  });

  test('kill --all reaches every process in the container, not just init', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sh', '-c', 'trap "" TERM; (trap - TERM; exec sleep 1000) & wait']));
    assert.equal(root.tsrun(['run', '-d', '--bundle', bundle, id]).status, 0);
    const cgroupProcs = `/sys/fs/cgroup/pids/${root.cgroupParent}/${id}/cgroup.procs`;
    assert.ok(await waitFor(() => readFileSync(cgroupProcs, 'utf8').trim().split('\n').length === 2), 'init and its child');
    assert.equal(root.tsrun(['kill', id, 'TERM']).status, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(readFileSync(cgroupProcs, 'utf8').trim().split('\n').length, 2, 'TERM to init alone (it ignores TERM) leaves both');
    assert.equal(root.tsrun(['kill', '--all', id, 'KILL']).status, 0);
    assert.ok(await waitFor(() => state(id).status === 'stopped'), 'all gone');
    assert.equal(root.tsrun(['delete', id]).status, 0);
  });

  test('concurrent starts of one container: exactly one wins, the state stays whole', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    const starts = await Promise.all(Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => {
      spawn('node', [TSRUN, '--root', root.state, 'start', id], { stdio: 'ignore' }).on('exit', (c) => resolve(c));
    })));
    assert.equal(starts.filter((c) => c === 0).length, 1, `exit codes ${starts.join(',')}`);
    assert.equal(state(id).status, 'running');
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  });

  test('a recycled pid is never taken for the container (start time is checked)', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    const file = join(root.state, id, 'state.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; pidStartTime: number };
    const realPid = record.pid;
    // Point the state at a live process that is not the container, as a recycled pid would be.
    // Start times count in clock ticks (10 ms): a decoy started in the init's own tick would be
    // indistinguishable, which a real recycled pid never is; start it a tick later.
    await new Promise((r) => setTimeout(r, 50));
    const decoy = spawn('sleep', ['1000'], { stdio: 'ignore' });
    try {
      assert.ok(await waitFor(() => existsSync(`/proc/${decoy.pid}/stat`)));
      assert.notEqual(Number(readFileSync(`/proc/${decoy.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]), record.pidStartTime, 'the decoy is a different process');
      writeFileSync(file, JSON.stringify({ ...record, pid: decoy.pid }));
      assert.equal(state(id).status, 'stopped', 'another process with that pid is not the container');
      assert.notEqual(root.tsrun(['kill', id, 'KILL']).status, 0, 'kill refuses');
      assert.equal(decoy.exitCode, null);
      assert.ok(readFileSync(`/proc/${decoy.pid}/stat`, 'utf8').includes('(sleep)'), 'the decoy was not signalled');
    } finally {
      decoy.kill('SIGKILL');
      writeFileSync(file, JSON.stringify({ ...record, pid: realPid }));
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });
});
