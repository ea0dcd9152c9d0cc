import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { validateFeatures, validateRuntimeConfig, validateRuntimeState } from '../../spec/validate.ts';
import { TSRUN, TestRoot, mountCount, waitFor } from './harness.ts';

describe('lifecycle (runtime-spec runtime.md, runc semantics)', () => {
  let root: TestRoot;
  let mountsBefore: number;
  before(() => {
    root = new TestRoot('life');
    mountsBefore = mountCount();
  });
  after(() => {
    root.cleanup();
    assert.equal(mountCount(), mountsBefore, 'no mount left on the host');
  });

  const state = (id: string) => {
    const r = root.tsrun(['state', id]);
    assert.equal(r.status, 0, r.stderr);
    return validateRuntimeState(JSON.parse(r.stdout), 'state') as { status: string; pid: number; id: string; bundle: string };
  };

  test('create -> created, start -> running, kill -> stopped, delete -> gone', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    const pidFile = join(root.dir, `${id}.pid`);
    const c = root.tsrun(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
    assert.equal(c.status, 0, c.stderr);
    const s1 = state(id);
    assert.equal(s1.status, 'created');
    assert.equal(s1.bundle, bundle);
    assert.ok(s1.pid > 0);
    assert.equal(Number(readFileSync(pidFile, 'utf8')), s1.pid, 'pid file holds the init pid');
    // Before start the user's program has not been exec'd: init is still tsrun-init.
    assert.match(readFileSync(`/proc/${s1.pid}/cmdline`, 'utf8'), /tsrun-init/);
    const cg = readFileSync(`/proc/${s1.pid}/cgroup`, 'utf8');
    assert.match(cg, new RegExp(`memory:/${root.cgroupParent}/${id}`), 'init is in the container cgroup');

    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.equal(state(id).status, 'running');
    assert.ok(await waitFor(() => readFileSync(`/proc/${s1.pid}/cmdline`, 'utf8').startsWith('sleep')), 'the user program runs');
    const again = root.tsrun(['start', id]);
    assert.notEqual(again.status, 0, 'start of a running container fails');
    assert.match(again.stderr, /running, not created/);

    const del = root.tsrun(['delete', id]);
    assert.notEqual(del.status, 0, 'delete of a running container without --force fails');
    assert.match(del.stderr, /not stopped/);

    assert.equal(root.tsrun(['kill', id, 'KILL']).status, 0);
    assert.ok(await waitFor(() => state(id).status === 'stopped'), 'container stops after SIGKILL');
    assert.equal(state(id).pid, 0, 'a stopped container reports pid 0, as runc does');
    const k2 = root.tsrun(['kill', id]);
    assert.notEqual(k2.status, 0, 'kill of a stopped container fails');
    assert.equal(root.tsrun(['delete', id]).status, 0);
    assert.ok(!existsSync(join(root.state, id)), 'state directory removed');
    assert.deepEqual(root.leftoverCgroups().filter((d) => d.endsWith(`/${id}`)), [], 'cgroups removed');
    const gone = root.tsrun(['state', id]);
    assert.notEqual(gone.status, 0);
    assert.match(gone.stderr, /does not exist/);
  });

  test('delete --force of an unknown or already deleted id exits 0 (containerd relies on it)', () => {
    assert.equal(root.tsrun(['delete', '--force', 'never-existed']).status, 0);
    const r = root.tsrun(['delete', 'never-existed']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /does not exist/);
  });

  test('delete --force kills a running container and removes everything', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sh', '-c', 'sleep 1000 & sleep 1000']));
    assert.equal(root.tsrun(['run', '-d', '--bundle', bundle, id]).status, 0);
    const pid = state(id).pid;
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    assert.ok(await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')));
    assert.deepEqual(root.leftoverState(), []);
    assert.deepEqual(root.leftoverCgroups().filter((d) => d.endsWith(`/${id}`)), []);
  });

  test('a created container can be deleted without --force', () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['true']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    const pid = state(id).pid;
    assert.equal(root.tsrun(['delete', id]).status, 0);
    assert.ok(!existsSync(join(root.state, id)));
    assert.ok(!existsSync(`/proc/${pid}/cmdline`) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tsrun-init'));
  });

  test('run passes the exit code and the output through', () => {
    const id = root.id();
    const r = root.run(id, root.config(id, ['sh', '-c', 'echo out; echo err >&2; exit 7']));
    assert.equal(r.status, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    const id3 = root.id();
    const t = root.run(id3, root.config(id3, ['sh', '-c', 'sh -c "kill -TERM \\$\\$"; exit $?']));
    assert.equal(t.status, 143, 'a child killed by SIGTERM reports 143 through the shell');
    assert.deepEqual(root.leftoverState(), [], 'run removes the container afterwards');
  });

  test('run in the foreground exits 128+9 when the container is killed from outside', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    const child = spawn('node', [TSRUN, '--root', root.state, 'run', '--bundle', bundle, id], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    assert.ok(await waitFor(() => root.tsrun(['state', id]).stdout.includes('"running"')), 'container runs');
    assert.equal(root.tsrun(['kill', id, 'KILL']).status, 0);
    assert.equal(await exited, 137);
    assert.deepEqual(root.leftoverState(), [], 'run removed the container');
  });

  test('run --keep leaves a stopped container; kill of init by a signal is reported as 128+n', async () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.equal(root.tsrun(['kill', id, 'SIGTERM']).status, 0, 'signal names with SIG work');
    // sleep as pid 1 has no SIGTERM handler, so the kernel ignores it: the container keeps running.
    assert.equal(state(id).status, 'running');
    assert.equal(root.tsrun(['kill', id, '9']).status, 0, 'signal numbers work');
    assert.ok(await waitFor(() => state(id).status === 'stopped'));
    assert.equal(root.tsrun(['delete', id]).status, 0);

    const id2 = root.id();
    const k = root.run(id2, root.config(id2, ['sh', '-c', 'trap "exit 42" TERM; sleep 1 & wait']), ['--keep']);
    assert.equal(k.status, 0);
    assert.equal(state(id2).status, 'stopped', '--keep leaves the stopped container');
    assert.equal(root.tsrun(['delete', id2]).status, 0);
  });

  test('list shows containers as table, json and ids', () => {
    const id = root.id('list');
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    const table = root.tsrun(['list']);
    assert.match(table.stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER/);
    assert.match(table.stdout, new RegExp(`${id}\\s+\\d+\\s+created`));
    const json = JSON.parse(root.tsrun(['list', '--format', 'json']).stdout) as { id: string; status: string }[];
    assert.deepEqual(json.map((c) => [c.id, c.status]), [[id, 'created']]);
    assert.equal(root.tsrun(['list', '-q']).stdout, `${id}\n`);
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    assert.equal(root.tsrun(['list', '--format', 'json']).stdout, 'null\n', 'no containers: null, as runc prints');
  });

  test('--version has the three lines dockerd parses; features and spec are valid documents', () => {
    const v = root.tsrun(['--version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^tsrun version \d+\.\d+\.\d+\ncommit: \S+\nspec: 1\.\d+\.\d+\n$/);
    const f = root.tsrun(['features']);
    const features = validateFeatures(JSON.parse(f.stdout), 'features') as { hooks: string[]; linux: { namespaces: string[]; seccomp: { enabled: boolean; actions: string[] } } };
    assert.ok(features.linux.namespaces.includes('time'));
    assert.equal(features.linux.seccomp.enabled, true);
    assert.ok(features.linux.seccomp.actions.includes('SCMP_ACT_NOTIFY'), 'listeners are supported (runtime/test/seccomp-listener.test.ts)');
    assert.deepEqual(features.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'], 'every hook of the spec');
    assert.equal(root.tsrun(['spec', '--bundle', root.dir]).status, 0);
    validateRuntimeConfig(JSON.parse(readFileSync(join(root.dir, 'config.json'), 'utf8')), 'config.json');
    const twice = root.tsrun(['spec', '--bundle', root.dir]);
    assert.notEqual(twice.status, 0, 'spec refuses to overwrite');
  });

  test('--log-format json writes runc-style records containerd can read back', () => {
    const log = join(root.dir, 'log.json');
    const r = root.tsrun(['--log', log, '--log-format', 'json', 'start', 'nope']);
    assert.notEqual(r.status, 0);
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    const last = records.at(-1)!;
    assert.equal(last.level, 'error');
    assert.match(last.msg!, /container does not exist: nope/);
    assert.ok(!Number.isNaN(Date.parse(last.time!)));
  });
});
