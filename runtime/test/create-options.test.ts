import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { validateRuntimeConfig } from '../../spec/validate.ts';
import { TSRUN, TestRoot, busyboxRootfs, type Config } from './harness.ts';

describe('create options and rootfs variants', () => {
  let root: TestRoot;
  before(() => { root = new TestRoot('opts'); });
  after(() => {
    const left = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(left, []);
  });
  const linux = (c: Config) => c.linux as Record<string, any>;
  const run = (id: string, c: Config, extra: string[] = []) => {
    const r = root.run(id, c, extra);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  test('--no-pivot runs in a chroot with the same view', () => {
    const id = root.id();
    const out = run(id, root.config(id, ['sh', '-c', 'ls /bin/busybox; cut -d" " -f5 /proc/self/mountinfo | head -1']), ['--no-pivot']);
    assert.deepEqual(out.trim().split('\n'), ['/bin/busybox', '/']);
  });

  test('a bundle-relative root.path', () => {
    const id = root.id();
    const c = root.config(id, ['cat', '/marker']);
    const bundle = root.bundle(id, c);
    const rootfs = busyboxRootfs(join(bundle, 'myroot'));
    c.root = { path: 'myroot', readonly: false };
    writeFileSync(join(rootfs, 'marker'), 'relative-ok\n');
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(c));
    const r = root.tsrun(['run', '--bundle', bundle, id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'relative-ok\n');
    const s = root.tsrun(['create', '--bundle', bundle, `${id}x`]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal((JSON.parse(root.tsrun(['state', `${id}x`]).stdout) as { rootfs: string }).rootfs, join(bundle, 'myroot'));
    assert.equal(root.tsrun(['delete', `${id}x`]).status, 0);
  });

  test('each container gets its own session keyring, unless --no-new-keyring', () => {
    const id = root.id('keyring');
    const bundle = root.bundle(id, root.config(id, ['sleep', '1000']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    assert.match(readFileSync('/proc/keys', 'utf8'), new RegExp(` keyring\\s+${id}: `));
    assert.equal(root.tsrun(['delete', id]).status, 0);
    const id2 = root.id('nokeyring');
    const bundle2 = root.bundle(id2, root.config(id2, ['sleep', '1000']));
    assert.equal(root.tsrun(['create', '--no-new-keyring', '--bundle', bundle2, id2]).status, 0);
    assert.doesNotMatch(readFileSync('/proc/keys', 'utf8'), new RegExp(` keyring\\s+${id2}: `));
    assert.equal(root.tsrun(['delete', id2]).status, 0);
  });

  test('rootfsPropagation shared makes / a shared mount; the default is not shared', () => {
    const id = root.id();
    const c = root.config(id, ['sh', '-c', 'head -1 /proc/self/mountinfo']);
    linux(c).rootfsPropagation = 'shared';
    assert.match(run(id, c), / shared:\d+/);
    const id2 = root.id();
    assert.doesNotMatch(run(id2, root.config(id2, ['sh', '-c', 'head -1 /proc/self/mountinfo'])), / shared:\d+/);
  });

  test('LISTEN_FDS: with LISTEN_PID equal to tsrun, the fds pass and the container gets LISTEN_FDS=n, LISTEN_PID=1', () => {
    const f3 = openSync(join(root.dir, 'listen'), 'w');
    try {
      const id = root.id();
      const bundle = root.bundle(id, root.config(id, ['sh', '-c', 'echo $LISTEN_FDS $LISTEN_PID; echo via-fd3 >&3']));
      // exec keeps the shell's pid, so LISTEN_PID=$$ is tsrun's own pid, as systemd would set it.
      const out = join(root.dir, 'listen-out');
      const o = openSync(out, 'w');
      const res = spawnSync('sh', ['-c', `LISTEN_FDS=1 LISTEN_PID=$$ exec node ${TSRUN} --root ${root.state} run --bundle ${bundle} ${id}`], { stdio: ['ignore', o, 'inherit', f3] });
      closeSync(o);
      assert.equal(res.status, 0);
      assert.equal(readFileSync(out, 'utf8'), '1 1\n');
      assert.equal(readFileSync(join(root.dir, 'listen'), 'utf8'), 'via-fd3\n');
    } finally {
      closeSync(f3);
    }
  });

  test('--systemd-cgroup and a systemd cgroupsPath are refused with what to do instead', () => {
    const r = root.tsrun(['--systemd-cgroup', 'list']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--systemd-cgroup: systemd is not driven by tsrun; use cgroupfs paths/);
    const id = root.id();
    const c = root.config(id, ['true']);
    linux(c).cgroupsPath = 'system.slice:tsrun:' + id;
    const s = root.run(id, c);
    assert.notEqual(s.status, 0);
    assert.match(s.stderr, /linux\.cgroupsPath: "system\.slice:tsrun:\w+" is a systemd path/);
    assert.deepEqual(root.leftoverState(), []);
  });

  test('spec --rootless writes a valid config with a user namespace mapping the caller', () => {
    const dir = join(root.dir, 'rootless-spec');
    mkdirSync(dir);
    assert.equal(root.tsrun(['spec', '--rootless', '--bundle', dir]).status, 0);
    const c = validateRuntimeConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), 'config.json') as Config;
    assert.ok(linux(c).namespaces.some((n: { type: string }) => n.type === 'user'));
    assert.deepEqual(linux(c).uidMappings, [{ containerID: 0, hostID: 0, size: 1 }]);
    assert.ok(!linux(c).namespaces.some((n: { type: string }) => n.type === 'network'));
  });

  test('a mount destination under a dangling symlink is made inside the rootfs', () => {
    const rootfs = busyboxRootfs(join(root.dir, 'dangling-rootfs'));
    symlinkSync('/run/real', join(rootfs, 'varrun'));
    const id = root.id();
    const c = root.config(id, ['sh', '-c', 'ls -d /run/real/sub && grep -c " /run/real/sub " /proc/self/mountinfo']);
    c.root = { path: rootfs, readonly: false };
    c.mounts.push({ destination: '/varrun/sub', type: 'tmpfs', source: 'tmpfs' } as any);
    assert.deepEqual(run(id, c).trim().split('\n'), ['/run/real/sub', '1']);
  });
});

