import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FdReceiver, readAll } from './fd-receiver.ts';
import { TSRUN, TestRoot, mountCount } from './harness.ts';

describe('terminals: --console-socket, and tsrun as the console', () => {
  let root: TestRoot;
  let receiver: FdReceiver;
  before(async () => {
    root = new TestRoot('tty');
    receiver = new FdReceiver(join(root.dir, 'console.sock'));
    await receiver.listen();
  });
  after(() => {
    receiver.close();
    const left = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(left, []);
  });

  test('create --console-socket: the pty master reaches the socket; the process has the slave as its stdio and controlling tty', async () => {
    const id = root.id();
    const c = root.config(id, ['sh', '-c', 'tty; stty size; [ -t 0 ] && echo stdin-tty; stat -c "%u %t,%T" "$(tty)" /dev/console; exit 4']);
    c.process.terminal = true;
    (c.process as Record<string, unknown>).consoleSize = { height: 33, width: 101 };
    c.process.user = { uid: 1000, gid: 1000 };
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), '--console-socket', receiver.path, id]);
    assert.equal(r.status, 0, r.stderr);
    const master = await receiver.nextMaster();
    const output = readAll(master);
    assert.equal(root.tsrun(['start', id]).status, 0);
    const lines = (await output).split('\r\n');
    assert.match(lines[0]!, /^\/dev\/pts\/\d+$/, 'a pty of the container');
    assert.equal(lines[1], '33 101', 'consoleSize applied');
    assert.equal(lines[2], 'stdin-tty');
    assert.match(lines[3]!, /^1000 88,\d+$/, 'the slave is owned by the user and is a pty slave (major 136 = 0x88)');
    assert.equal(lines[4], lines[3], '/dev/console is that pty, bound over it');
    assert.equal(JSON.parse(root.tsrun(['state', id]).stdout).status, 'stopped');
    assert.equal(root.tsrun(['delete', id]).status, 0);
  });

  test('run without --console-socket: tsrun is the console; input goes in, output and the exit code come back', () => {
    const id = root.id();
    const c = root.config(id, ['sh', '-c', 'read x; echo "got $x"; tty; exit 3']);
    c.process.terminal = true;
    const bundle = root.bundle(id, c);
    const r = spawnSync('node', [TSRUN, '--root', root.state, 'run', '--bundle', bundle, id], { input: 'hello\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /got hello\r\n\/dev\/pts\/\d+\r\n/);
    assert.deepEqual(root.leftoverState(), []);
  });

  test('run under a real terminal passes its window size on (script(1) gives tsrun a tty)', { skip: !existsSync('/usr/bin/script') && 'script(1) missing' }, () => {
    const id = root.id();
    const c = root.config(id, ['stty', 'size']);
    c.process.terminal = true;
    const bundle = root.bundle(id, c);
    const inner = `stty cols 77 rows 22; node ${TSRUN} --root ${root.state} run --bundle ${bundle} ${id}; echo rc=$?`;
    // stdin /dev/null: script(1) copies EOF from a closed pipe into the terminal and may hang it up early.
    const r = spawnSync('script', ['-qec', inner, '/dev/null'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(r.stdout, /22 77\r*\n/, r.stdout + r.stderr);
    assert.match(r.stdout, /rc=0/);
  });

  test('exec -t with --console-socket and with tsrun as the console', async () => {
    const id = root.id();
    const c = root.config(id, ['sleep', '1000']);
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      const d = root.tsrun(['exec', '-t', '-d', '--console-socket', receiver.path, id, 'sh', '-c', 'tty; exit 0']);
      assert.equal(d.status, 0, d.stderr);
      assert.match(await readAll(await receiver.nextMaster()), /^\/dev\/pts\/\d+\r\n$/);
      const f = spawnSync('node', [TSRUN, '--root', root.state, 'exec', '-t', id, 'sh', '-c', 'read x; echo "[$x]"; exit 5'], { input: 'in\n', encoding: 'utf8', timeout: 30_000 });
      assert.equal(f.status, 5, f.stderr);
      assert.match(f.stdout, /\[in\]\r\n/);
      const file = join(root.dir, 'tty-process.json');
      writeFileSync(file, JSON.stringify({ terminal: true, consoleSize: { height: 5, width: 40 }, args: ['stty', 'size'], cwd: '/', env: ['PATH=/bin'] }));
      const p = root.tsrun(['exec', '-d', '--process', file, '--console-socket', receiver.path, id]);
      assert.equal(p.status, 0, p.stderr);
      assert.equal(await readAll(await receiver.nextMaster()), '5 40\r\n');
    } finally {
      root.tsrun(['delete', '--force', id]);
    }
  });

  test('terminal mistakes are refused with the reason and leave nothing behind', () => {
    const mounts = mountCount();
    const id = root.id();
    const c = root.config(id, ['true']);
    c.process.terminal = true;
    const bundle = root.bundle(id, c);
    const noSocket = root.tsrun(['create', '--bundle', bundle, id]);
    assert.notEqual(noSocket.status, 0);
    assert.match(noSocket.stderr, /process\.terminal is true: give --console-socket/);
    const missing = root.tsrun(['create', '--bundle', bundle, '--console-socket', join(root.dir, 'nobody-listens.sock'), id]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /console socket .*nobody-listens\.sock/);
    c.process.terminal = false;
    const notTty = root.tsrun(['create', '--bundle', root.bundle(id, c), '--console-socket', receiver.path, id]);
    assert.notEqual(notTty.status, 0);
    assert.match(notTty.stderr, /--console-socket was given but process\.terminal is false/);
    const detachedExec = root.tsrun(['exec', '-t', '-d', 'nosuch', 'true']);
    assert.notEqual(detachedExec.status, 0);
    assert.deepEqual(root.leftoverState(), []);
    assert.deepEqual(root.leftoverCgroups(), []);
    assert.equal(mountCount(), mounts);
  });
});
