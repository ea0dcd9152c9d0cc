import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    assert.ok(await waitFor(() => root.tsrun(['state', id]).stdout.includes('"stopped"')), 'the container was stopped');
    const d = root.tsrun(['delete', id]);
    assert.equal(d.status, 0, 'poststop failures do not fail delete');
    assert.match(d.stderr, /level=warning msg=".*hooks\.poststop\[0\].*exit status 1/);
    assert.deepEqual(calls().map((x) => x.name), ['poststart', 'poststop', 'poststop2'], 'the hooks after a failed poststop still run');
  });
});
