import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestRoot, waitFor } from './harness.ts';

describe('hooks run in the runtime namespace: order, state on stdin, failures', () => {
  let root: TestRoot;
  let hook: string;
  let log: string;
  before(() => {
    root = new TestRoot('hooks');
    log = join(root.dir, 'hooks.log');
    hook = join(root.dir, 'hook.sh');
    // Appends its name and the state it read on stdin, one line each call; exits with $2.
    writeFileSync(hook, '#!/bin/sh\nstate=$(cat)\necho "$1 $state" >> "$LOG"\nexit "${2:-0}"\n');
    chmodSync(hook, 0o755);
  });
  after(() => {
    const left = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(left, []);
  });
  const h = (name: string, exit = 0, timeout?: number) => ({ path: hook, args: ['hook.sh', name, String(exit)], env: [`LOG=${log}`], ...(timeout ? { timeout } : {}) });
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []).map((l) => {
    const [name, ...rest] = l.split(' ');
    return { name, state: JSON.parse(rest.join(' ')) as { status: string; pid: number; id: string; bundle: string } };
  });

  test('prestart, createRuntime at create; poststart at start; poststop at delete; each with the state', async () => {
    writeFileSync(log, '');
    const id = root.id();
    const c = root.config(id, ['sleep', '1000']);
    c.hooks = { prestart: [h('prestart')], createRuntime: [h('createRuntime1'), h('createRuntime2')], poststart: [h('poststart')], poststop: [h('poststop')] } as any;
    const bundle = root.bundle(id, c);
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    const pid = (JSON.parse(root.tsrun(['state', id]).stdout) as { pid: number }).pid;
    assert.deepEqual(calls().map((x) => x.name), ['prestart', 'createRuntime1', 'createRuntime2']);
    for (const x of calls()) assert.deepEqual([x.state.id, x.state.status, x.state.pid, x.state.bundle], [id, 'created', pid, bundle]);
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.deepEqual(calls().map((x) => x.name).slice(3), ['poststart']);
    assert.equal(calls()[3]!.state.status, 'running');
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    assert.deepEqual(calls().map((x) => x.name).slice(4), ['poststop']);
    assert.equal(calls()[4]!.state.status, 'stopped');
  });

  test('a failing prestart hook fails create and leaves nothing; later hooks do not run', () => {
    writeFileSync(log, '');
    const id = root.id();
    const c = root.config(id, ['true']);
    c.hooks = { prestart: [h('bad', 3), h('never')] } as any;
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /hooks\.prestart\[0\] \(.*hook\.sh\): exit status 3/);
    assert.deepEqual(calls().map((x) => x.name), ['bad']);
    assert.ok(!root.leftoverState().includes(id));
  });

  test('a hook past its timeout is killed and fails the operation', () => {
    const slow = join(root.dir, 'slow.sh');
    writeFileSync(slow, '#!/bin/sh\nsleep 30\n');
    chmodSync(slow, 0o755);
    const id = root.id();
    const c = root.config(id, ['true']);
    c.hooks = { createRuntime: [{ path: slow, timeout: 1 }] } as any;
    const t0 = Date.now();
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /timed out after 1 s/);
    assert.ok(Date.now() - t0 < 15_000);
  });

  test('a failing poststart stops the container and start fails; a failing poststop only warns', async () => {
    writeFileSync(log, '');
    const id = root.id();
    const c = root.config(id, ['sleep', '1000']);
    c.hooks = { poststart: [h('poststart', 1)], poststop: [h('poststop', 1), h('poststop2')] } as any;
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    const s = root.tsrun(['start', id]);
    assert.notEqual(s.status, 0);
    assert.match(s.stderr, /hooks\.poststart\[0\]/);
    assert.ok(await waitFor(() => root.tsrun(['state', id]).stdout.includes('"stopped"'), 20_000), 'the container was stopped');
    const d = root.tsrun(['delete', id]);
    assert.equal(d.status, 0, 'poststop failures do not fail delete');
    assert.match(d.stderr, /level=warning msg=".*hooks\.poststop\[0\].*exit status 1/);
    assert.deepEqual(calls().map((x) => x.name), ['poststart', 'poststop', 'poststop2'], 'the hooks after a failed poststop still run');
  });

  test('createContainer runs at create in the container namespaces before pivot_root; startContainer at start, from the container root', () => {
    // A host directory bound into the container: the hooks log there, and startContainer's path resolves in it.
    const shared = join(root.dir, 'shared');
    mkdirSync(shared, { recursive: true });
    const inHook = '#!/bin/sh\nstate=$(cat)\necho "$1 $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/pid) $state" >> "$LOG"\nexit "${2:-0}"\n';
    writeFileSync(join(shared, 'hook.sh'), inHook);
    chmodSync(join(shared, 'hook.sh'), 0o755);
    const hostLog = join(shared, 'in.log');
    const id = root.id();
    const c = root.config(id, ['sleep', '1000']);
    c.mounts = [...c.mounts, { destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] }];
    const at = (path: string, name: string, logPath: string, exit = 0) => ({ path, args: ['hook.sh', name, String(exit)], env: [`LOG=${logPath}`] });
    c.hooks = {
      createRuntime: [h('createRuntime')],
      createContainer: [at(join(shared, 'hook.sh'), 'createContainer', hostLog)],
      startContainer: [at('/shared/hook.sh', 'startContainer', '/shared/in.log')],
    } as any;
    writeFileSync(log, '');
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    const lines = () => readFileSync(hostLog, 'utf8').trim().split('\n').map((l) => {
      const [name, mnt, pidns, ...rest] = l.split(' ');
      return { name, mnt, pidns, state: JSON.parse(rest.join(' ')) as { status: string; pid: number; id: string } };
    });
    const initPid = (JSON.parse(root.tsrun(['state', id]).stdout) as { pid: number }).pid;
    const containerMnt = readlinkSync(`/proc/${initPid}/ns/mnt`), containerPid = readlinkSync(`/proc/${initPid}/ns/pid`);
    assert.deepEqual(calls().map((x) => x.name), ['createRuntime'], 'createRuntime ran first, in the runtime namespace');
    assert.deepEqual(lines().map((l) => l.name), ['createContainer'], 'startContainer waits for start');
    const cc = lines()[0]!;
    assert.equal(cc.mnt, containerMnt, "in the container's mount namespace");
    assert.notEqual(cc.mnt, readlinkSync('/proc/self/ns/mnt'));
    assert.equal(cc.pidns, containerPid, "in the container's pid namespace");
    assert.deepEqual([cc.state.id, cc.state.status, cc.state.pid], [id, 'creating', 1], 'its pid as the container sees it, as runc');
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.ok(waitForSync(() => lines().length === 2), 'startContainer ran at start');
    const sc = lines()[1]!;
    assert.deepEqual([sc.name, sc.mnt, sc.pidns, sc.state.status], ['startContainer', containerMnt, containerPid, 'created']);
    assert.match(readFileSync(`/proc/${initPid}/cmdline`, 'utf8'), /^sleep/, 'then the program runs');
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  });

  test('a failing createContainer hook fails create with its status and leaves nothing', () => {
    const id = root.id();
    const c = root.config(id, ['true']);
    c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 9'] }] } as any;
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /hook \/bin\/sh exited with status 9/);
    assert.ok(!root.leftoverState().includes(id));
    c.hooks = { createContainer: [{ path: '/nonexistent/hook' }] } as any;
    const missing = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.match(missing.stderr, /exec of hook \/nonexistent\/hook: No such file or directory/);
    assert.equal(missing.stderr.trim().split('\n').length, 1, 'one line');
    assert.ok(!root.leftoverState().includes(id));
  });
});

function waitForSync(fn: () => boolean, ms = 20_000): boolean {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return fn();
}
