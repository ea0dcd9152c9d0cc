import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestRoot, liveHelpers, mountCount, type Config } from './harness.ts';

describe('bad input: a clear one-line error, a non-zero exit, and nothing left behind', () => {
  let root: TestRoot;
  let mountsBefore: number;
  before(() => {
    root = new TestRoot('bad');
    mountsBefore = mountCount();
  });
  after(() => root.cleanup());

  /** Runs `create` (or the given args) and checks the error and that nothing stayed. */
  const refuses = (args: string[], pattern: RegExp) => {
    const log = join(root.dir, 'log.json');
    writeFileSync(log, '');
    const r = root.tsrun(['--log', log, '--log-format', 'json', ...args]);
    assert.notEqual(r.status, 0, `expected failure, got: ${r.stdout}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const record = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as { level: string; msg: string };
    assert.equal(record.level, 'error');
    assert.match(record.msg, pattern, 'the error is in the json log too');
    assert.deepEqual(root.leftoverState(), [], 'no state directory');
    assert.deepEqual(root.leftoverCgroups(), [], 'no cgroup');
    assert.equal(mountCount(), mountsBefore, 'no mount');
    assert.deepEqual(liveHelpers(), [], 'no process');
  };
  const createWith = (edit: (c: Config) => void, pattern: RegExp) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    edit(c);
    refuses(['create', '--bundle', root.bundle(id, c), id], pattern);
  };
  const linux = (c: Config) => c.linux as Record<string, any>;

  test('missing bundle directory', () => refuses(['create', '--bundle', '/nonexistent/bundle', 'x1'], /bundle \/nonexistent\/bundle: no such directory/));

  test('missing config.json', () => {
    const dir = join(root.dir, 'empty-bundle');
    mkdirSync(dir);
    refuses(['create', '--bundle', dir, 'x2'], /empty-bundle\/config\.json: cannot read: no such file/);
  });

  test('malformed config.json', () => {
    const dir = join(root.dir, 'broken-bundle');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), '{"ociVersion": "1.2.0", "process": ');
    refuses(['create', '--bundle', dir, 'x3'], /broken-bundle\/config\.json: not valid JSON/);
  });

  test('schema violations name the JSON path', () => {
    createWith((c) => { linux(c).namespaces[2].type = 'bogus'; }, /config\.json: linux\.namespaces\[2\]\.type: must be one of pid, network, mount, ipc, uts, user, cgroup, time/);
    createWith((c) => { (c.process.user as Record<string, unknown>).uid = 'root'; }, /config\.json: process\.user\.uid: must be integer/);
    createWith((c) => { delete (c.process as Record<string, unknown>).args; }, /config\.json: process\.args: is required/);
  });

  test('an unsupported ociVersion major', () => createWith((c) => { c.ociVersion = '2.0.0'; }, /ociVersion: unsupported major version 2/));

  test('invalid container ids', () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['true']));
    refuses(['create', '--bundle', bundle, '../escape'], /invalid container id "\.\.\/escape"/);
    refuses(['create', '--bundle', bundle, 'a/b'], /invalid container id "a\/b"/);
    refuses(['create', '--bundle', bundle, '..'], /invalid container id/);
  });

  test('a duplicate id fails and leaves the first container alone', () => {
    const id = root.id();
    const bundle = root.bundle(id, root.config(id, ['sleep', '100']));
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    const r = root.tsrun(['create', '--bundle', bundle, id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`container with id exists: ${id}`));
    assert.match(root.tsrun(['state', id]).stdout, /"status": "created"/);
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    assert.deepEqual(root.leftoverState(), []);
  });

  test('a missing rootfs', () => createWith((c) => { c.root.path = '/nonexistent/rootfs'; }, /root\.path: \/nonexistent\/rootfs: no such directory/));

  test('a mount type the kernel rejects', () =>
    createWith((c) => { c.mounts.push({ destination: '/weird', type: 'nosuchfs', source: 'none' } as any); }, /mount none on \/weird \(type nosuchfs.*No such device/));

  test('a bind mount whose source is missing', () =>
    createWith((c) => { c.mounts.push({ destination: '/data', type: 'bind', source: '/nonexistent/src', options: ['rbind'] } as any); }, /mounts\[\d+\]\.source: \/nonexistent\/src: no such file or directory/));

  test('a name that is not a Linux capability (a typo must not run a differently confined container)', () =>
    createWith((c) => { c.process.capabilities!.bounding = [...c.process.capabilities!.bounding!, 'CAP_TEST']; }, /process\.capabilities\.bounding\[\d+\]: "CAP_TEST" is not a Linux capability/));

  test('a program that is not in the rootfs', () => createWith((c) => { c.process.args = ['no-such-program']; }, /executable file "no-such-program" not found in \$PATH/));

  test('an rlimit above the hard limit (no CAP_SYS_RESOURCE here)', () =>
    createWith((c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1 << 30, hard: 1 << 30 }]; }, /rlimit 7 to soft 1073741824 hard 1073741824: Operation not permitted/));

  test('a namespace path that does not exist', () =>
    createWith((c) => { linux(c).namespaces[1] = { type: 'network', path: '/nonexistent/netns' }; }, /setns: open \/nonexistent\/netns: No such file or directory/));

  test('features not applied yet are refused, not ignored', () => {
    createWith((c) => { c.process.terminal = true; }, /process\.terminal is true: give --console-socket/);
    createWith((c) => { linux(c).seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] }; }, /linux\.seccomp\.architectures\[0\]/);
  });

  test('a value the kernel refuses for a cgroup names the file, the value and the errno', () => {
    createWith((c) => { linux(c).resources.cpu = { cpus: '999' }; }, /linux\.resources\.cpu\.cpus: writing "999" to \S+cpuset\.cpus: E[A-Z]+/);
    // a throttle on a block device this machine does not have (major 250 is unassigned here)
    createWith((c) => { linux(c).resources.blockIO = { throttleReadBpsDevice: [{ major: 250, minor: 77, rate: 1000 }] }; }, /linux\.resources\.blockIO\.throttleReadBpsDevice: writing "250:77 1000" to \S+blkio\.throttle\.read_bps_device: ENODEV/);
  });

  test('a sysctl outside the container namespaces', () =>
    createWith((c) => { linux(c).sysctl = { 'kernel.panic': '1' }; }, /linux\.sysctl\["kernel\.panic"\]: not a namespaced sysctl/));

  test('unknown command, unknown flag, wrong state', () => {
    refuses(['frobnicate'], /unknown command "frobnicate"/);
    refuses(['create', '--frob', 'x'], /create: Unknown option '--frob'/);
    refuses(['start', 'never-created'], /container does not exist: never-created/);
    refuses(['kill', 'never-created', 'NOTASIG'], /unknown signal "NOTASIG"|container does not exist/);
  });
});
