import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestRoot, waitFor } from './harness.ts';

describe('exec, ps, pause and resume on a running container', () => {
  let root: TestRoot;
  let id: string;
  before(() => {
    root = new TestRoot('exec');
    id = root.id('target');
    const c = root.config(id, ['sleep', '1000']);
    c.hostname = 'exec-target';
    c.process.env = [...c.process.env, 'FROM_CONFIG=yes'];
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
  });
  after(() => {
    root.tsrun(['delete', '--force', id]);
    const left = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(left, []);
  });
  const state = () => JSON.parse(root.tsrun(['state', id]).stdout) as { status: string; pid: number };

  test('exec runs in every namespace and the cgroup of the container, with its env, and passes the exit code', () => {
    const initPid = state().pid;
    const r = root.tsrun(['exec', id, 'sh', '-c', 'echo $$ $(hostname) $FROM_CONFIG; [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ] && echo same-mnt; exit 7']);
    assert.equal(r.status, 7, r.stderr);
    const [line, sameMnt] = r.stdout.trim().split('\n');
    const [pid, host, env] = line!.split(' ');
    assert.notEqual(pid, '1', 'a new process, not the init');
    assert.equal(host, 'exec-target');
    assert.equal(env, 'yes', "the container's env is the base");
    assert.equal(sameMnt, 'same-mnt', 'the same mount namespace as the init');
    assert.ok(initPid > 0);
  });

  test('exec --process FILE with another user; exec -d writes its pid file', async () => {
    const file = join(root.dir, 'process.json');
    writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'id -u; id -g'], cwd: '/tmp', user: { uid: 1000, gid: 1000 }, env: ['PATH=/bin'] }));
    const r = root.tsrun(['exec', '--process', file, id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '1000\n1000\n');
    const pidFile = join(root.dir, 'exec.pid');
    assert.equal(root.tsrun(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '1000']).status, 0);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    assert.match(readFileSync(`/proc/${execPid}/cmdline`, 'utf8'), /^sleep/);
    assert.match(readFileSync(`/proc/${execPid}/cgroup`, 'utf8'), new RegExp(`pids:/${root.cgroupParent}/${id}\\n`), 'in the container cgroup');
    const ps = JSON.parse(root.tsrun(['ps', '--format', 'json', id]).stdout) as number[];
    assert.ok(ps.includes(execPid) && ps.includes(state().pid), 'ps lists init and the exec process');
    const table = root.tsrun(['ps', id]).stdout.trim().split('\n');
    assert.match(table[0]!, /PID/);
    assert.equal(table.length - 1, ps.length, 'one row per process of the container, nothing else');
    process.kill(execPid, 'SIGKILL');
  });

  test('exec of a missing program fails with the reason; exec into a stopped container fails', () => {
    const r = root.tsrun(['exec', id, 'no-such-program']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /executable file "no-such-program" not found/);
    const other = root.id('done');
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(other, root.config(other, ['true'])), other]).status, 0);
    return waitFor(() => root.tsrun(['state', other]).stdout.includes('"stopped"')).then((stopped) => {
      assert.ok(stopped);
      assert.match(root.tsrun(['exec', other, 'true']).stderr, /cannot exec in container .*: it is stopped/);
      assert.equal(root.tsrun(['delete', other]).status, 0);
    });
  });

  test('pause freezes, resume thaws; a paused container refuses exec and can be deleted with --force', async () => {
    assert.equal(root.tsrun(['pause', id]).status, 0);
    assert.equal(state().status, 'paused');
    assert.equal(readFileSync(`/sys/fs/cgroup/freezer/${root.cgroupParent}/${id}/freezer.state`, 'utf8').trim(), 'FROZEN');
    assert.match(root.tsrun(['exec', id, 'true']).stderr, /it is paused/);
    assert.notEqual(root.tsrun(['pause', id]).status, 0, 'pausing twice fails');
    assert.notEqual(root.tsrun(['delete', id]).status, 0, 'delete without --force refuses a paused container');
    assert.equal(root.tsrun(['resume', id]).status, 0);
    assert.equal(state().status, 'running');
    assert.notEqual(root.tsrun(['resume', id]).status, 0, 'resuming a running container fails');
    assert.equal(root.tsrun(['pause', id]).status, 0);
    const pid = state().pid;
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0, 'delete --force of a paused container');
    assert.ok(await waitFor(() => { try { return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(sleep)') || /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; } }));
  });
});
