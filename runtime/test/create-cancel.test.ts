/**
 * Cancelling a create. The runtime library takes an AbortSignal and installs no process-wide
 * signal handlers (a long-lived user such as the shim keeps its own); the CLI owns SIGTERM,
 * SIGINT and SIGHUP around its create and still cleans up when killed half-way. The slow step in
 * each test is a createContainer hook that leaves a mark and sleeps: the helper runs it while
 * the create waits for the helper with its event loop free, so a signal or an abort is taken at
 * once (a prestart hook would run inside the create's own synchronous step instead).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../cli/logger.ts';
import { createContainer } from '../container/create-container.ts';
import { deleteContainer } from '../container/delete-container.ts';
import { StateStore } from '../container/state-store.ts';
import { TSRUN, useTestRoot, waitFor, type Config } from './harness.ts';

const INTERRUPTS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const listeners = () => INTERRUPTS.map((s) => process.listenerCount(s));

/** A config whose create waits in a createContainer hook (run by the helper, host paths still visible) after touching mark. */
function slowCreate(config: Config, mark: string, seconds: number): Config {
  config.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `touch ${mark}; sleep ${seconds}`] }] };
  return config;
}

describe('cancelling a create', () => {
  const root = useTestRoot('cancel', { before, after });
  const logger = createLogger({ format: 'text', debug: false });

  test('library use installs no SIGTERM/SIGINT/SIGHUP listeners, during the create or after it', async () => {
    const r = root();
    const id = r.id('lib');
    const mark = join(r.dir, `${id}.mark`);
    const bundle = r.bundle(id, slowCreate(r.config(id, ['sleep', '1000']), mark, 0.3));
    const store = new StateStore(r.state);
    const before = listeners();
    const created = createContainer({ store, id, bundle, noPivot: false, noNewKeyring: false, preserveFds: 0, foreground: false, logger });
    // Looked at from a timer while the create waits for its helper (the hook runs inside that wait).
    const during: number[][] = [];
    const timer = setInterval(() => during.push(listeners()), 20);
    try {
      await created;
    } finally {
      clearInterval(timer);
    }
    assert.ok(during.length > 0, 'the create took long enough to be looked at');
    for (const seen of during) assert.deepEqual(seen, before);
    assert.deepEqual(listeners(), before);
    deleteContainer(store, id, true);
  });

  test('an aborted create rejects and leaves no state, cgroup or process', async () => {
    const r = root();
    const id = r.id('abort');
    const mark = join(r.dir, `${id}.mark`);
    const bundle = r.bundle(id, slowCreate(r.config(id, ['sleep', '1000']), mark, 1));
    const store = new StateStore(r.state);
    const controller = new AbortController();
    const created = createContainer({ store, id, bundle, noPivot: false, noNewKeyring: false, preserveFds: 0, foreground: false, logger, signal: controller.signal });
    const failed = assert.rejects(created, /cancelled by the test/);
    assert.ok(await waitFor(() => existsSync(mark), 10_000), 'the hook ran');
    // The helper need not wait for the parent to note the init's pid (no id maps to write here).
    assert.ok(await waitFor(() => store.load(id).pid > 0), 'the init\'s pid is in the record');
    const pid = store.load(id).pid;
    controller.abort(new Error('cancelled by the test'));
    // Cleaned up as the abort returned, before the create settled.
    assert.ok(!r.leftoverState().includes(id), 'the state is gone at once');
    await failed;
    assert.deepEqual(r.leftoverCgroups(), []);
    assert.ok(await waitFor(() => !existsSync(`/proc/${pid}`) || !/tsrun-init|sleep/.test(String(process.getBuiltinModule('node:fs').readFileSync(`/proc/${pid}/cmdline`)))), 'its init was killed');
    assert.deepEqual(r.leftoverState(), []);
  });

  test('a create given an already aborted signal makes nothing', async () => {
    const r = root();
    const id = r.id('early');
    const bundle = r.bundle(id, r.config(id, ['true']));
    await assert.rejects(createContainer({ store: new StateStore(r.state), id, bundle, noPivot: false, noNewKeyring: false, preserveFds: 0, foreground: false, logger, signal: AbortSignal.abort(new Error('too late')) }), /too late/);
    assert.deepEqual(r.leftoverState(), []);
    assert.deepEqual(r.leftoverCgroups(), []);
  });

  for (const command of ['create', 'run'] as const) {
    test(`tsrun ${command} killed with SIGTERM mid-create cleans up and exits 143`, async () => {
      const r = root();
      const id = r.id(command);
      const mark = join(r.dir, `${id}.mark`);
      const bundle = r.bundle(id, slowCreate(r.config(id, ['sleep', '1000']), mark, 1));
      const child = spawn('node', [TSRUN, '--root', r.state, command, ...(command === 'run' ? ['-d'] : []), '--bundle', bundle, id], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      assert.ok(await waitFor(() => existsSync(mark), 20_000), 'the hook ran');
      child.kill('SIGTERM');
      assert.equal(await exited, 143, stderr);
      assert.match(stderr, new RegExp(`create ${id}: interrupted by SIGTERM; cleaned up`));
      assert.deepEqual(r.leftoverState(), []);
      assert.deepEqual(r.leftoverCgroups(), []);
    });
  }
});
