import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TSRUN, waitFor, type TestRoot } from '../../runtime/test/harness.ts';
import { FdReceiver } from '../../runtime/test/fd-receiver.ts';
import { closeFd } from '../../runtime/fd-passing/unix-socket-calls.ts';

/** Requirements seen from outside the container: the CLI's behaviour over the lifecycle. */
export type LifecycleCheck = (root: TestRoot) => Promise<void> | void;

function stateOf(root: TestRoot, id: string): Record<string, unknown> {
  const r = root.tsrun(['state', id]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

export const LIFECYCLE_CHECKS: Record<string, LifecycleCheck> = {
  'state.document': (root) => {
    const id = root.id('state');
    const c = root.config(id, ['sleep', '100']);
    (c as Record<string, unknown>).annotations = { 'org.example.key': 'value' };
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    const s = stateOf(root, id);
    assert.equal(s.ociVersion, c.ociVersion);
    assert.equal(s.id, id);
    assert.equal(s.status, 'created');
    assert.ok(['creating', 'created', 'running', 'stopped'].includes(String(s.status)), 'only the spec\'s states');
    assert.ok(typeof s.pid === 'number' && s.pid > 0);
    assert.equal(s.bundle, join(root.dir, `bundle-${id}`));
    assert.deepEqual(s.annotations, { 'org.example.key': 'value' });
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  },
  'state.unknown-id-error': (root) => {
    const r = root.tsrun(['state', 'no-such-container']);
    assert.notEqual(r.status, 0);
  },
  'create.missing-id-error': (root) => {
    const id = root.id();
    assert.notEqual(root.tsrun(['create', '--bundle', root.bundle(id, root.config(id, ['true']))]).status, 0);
    assert.deepEqual(root.leftoverState(), []);
  },
  'create.duplicate-id-error': (root) => {
    const id = root.id('dup');
    const b = root.bundle(id, root.config(id, ['sleep', '100']));
    assert.equal(root.tsrun(['create', '--bundle', b, id]).status, 0);
    assert.notEqual(root.tsrun(['create', '--bundle', b, id]).status, 0);
    assert.equal(stateOf(root, id).status, 'created');
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  },
  'create.does-not-run-process': async (root) => {
    const id = root.id('lazy');
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    const c = root.config(id, ['sh', '-c', 'echo ran > /shared/marker']);
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] } as any);
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!existsSync(join(shared, 'marker')), 'the user process has not run after create');
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.ok(await waitFor(() => existsSync(join(shared, 'marker'))), 'start runs it');
    assert.equal(readFileSync(join(shared, 'marker'), 'utf8'), 'ran\n');
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'), 'stopped after the process exits');
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
  'create.invalid-config-error': (root) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    (c.linux as Record<string, any>).namespaces.push({ type: 'no-such-namespace' });
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.deepEqual(root.leftoverState(), [], 'no container is created');
    assert.deepEqual(root.leftoverCgroups(), [], 'no cgroup left');
  },
  'start.not-created-error': async (root) => {
    const id = root.id('started');
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, root.config(id, ['sleep', '100'])), id]).status, 0);
    assert.notEqual(root.tsrun(['start', id]).status, 0, 'start of a running container');
    assert.equal(root.tsrun(['kill', id, 'KILL']).status, 0);
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'));
    assert.notEqual(root.tsrun(['start', id]).status, 0, 'start of a stopped container');
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
  'kill.sends-signal': async (root) => {
    const id = root.id('kill');
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    const c = root.config(id, ['sh', '-c', 'trap "echo usr1 > /shared/got; exit 0" USR1; echo up > /shared/up; while true; do sleep 0.05; done']);
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] } as any);
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    assert.ok(await waitFor(() => existsSync(join(shared, 'up'))));
    assert.equal(root.tsrun(['kill', id, 'USR1']).status, 0);
    assert.ok(await waitFor(() => existsSync(join(shared, 'got'))), 'the process got SIGUSR1');
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'));
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
  'kill.not-running-error': async (root) => {
    const id = root.id('dead');
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, root.config(id, ['true'])), id]).status, 0);
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'));
    assert.notEqual(root.tsrun(['kill', id, 'TERM']).status, 0);
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
  'delete.not-stopped-error': (root) => {
    const id = root.id('busy');
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, root.config(id, ['sleep', '100'])), id]).status, 0);
    assert.notEqual(root.tsrun(['delete', id]).status, 0);
    assert.equal(stateOf(root, id).status, 'running', 'still there and running');
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  },
  'delete.removes-resources': async (root) => {
    const id = root.id('gone');
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, root.config(id, ['true'])), id]).status, 0);
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'));
    assert.equal(root.tsrun(['delete', id]).status, 0);
    assert.ok(!root.leftoverState().includes(id), 'state removed');
    assert.ok(!root.leftoverCgroups().some((d) => d.endsWith(`/${id}`)), 'cgroups removed');
    assert.notEqual(root.tsrun(['state', id]).status, 0, 'no longer known');
  },

  'state.missing-id-error': (root) => assert.notEqual(root.tsrun(['state']).status, 0),
  'start.missing-id-error': (root) => assert.notEqual(root.tsrun(['start']).status, 0),
  'kill.missing-id-error': (root) => assert.notEqual(root.tsrun(['kill']).status, 0),
  'delete.missing-id-error': (root) => assert.notEqual(root.tsrun(['delete']).status, 0),
  'create.invalid-id-error': (root) => {
    const id = root.id();
    assert.notEqual(root.tsrun(['create', '--bundle', root.bundle(id, root.config(id, ['true'])), 'bad/id']).status, 0);
    assert.deepEqual(root.leftoverState(), []);
  },
  'delete.keeps-foreign-resources': async (root) => {
    // A cgroup parent the container did not create survives its delete.
    const id = root.id('foreign');
    const parent = `/sys/fs/cgroup/pids/${root.cgroupParent}`;
    mkdirSync(parent, { recursive: true });
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, root.config(id, ['true'])), id]).status, 0);
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'));
    assert.equal(root.tsrun(['delete', id]).status, 0);
    assert.ok(existsSync(parent), 'the parent cgroup it did not create is still there');
    assert.ok(!existsSync(`${parent}/${id}`), 'its own cgroup is gone');
  },
  'rlimit-unknown-error': (root) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    c.process.rlimits = [{ type: 'RLIMIT_NOSUCH', soft: 1, hard: 1 }];
    assert.notEqual(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    assert.deepEqual(root.leftoverState(), []);
  },
  'rlimit-duplicate-error': (root) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 100 }, { type: 'RLIMIT_NOFILE', soft: 200, hard: 200 }];
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /RLIMIT_NOFILE is given twice/);
  },
  'namespace-join': async (root) => {
    const holder = root.id('holder');
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(holder, root.config(holder, ['sleep', '100'])), holder]).status, 0);
    const pid = stateOf(root, holder).pid as number;
    const id = root.id('joiner');
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    const c = root.config(id, ['sh', '-c', 'readlink /proc/self/ns/net > /shared/ns; readlink /proc/self/ns/uts >> /shared/ns; hostname >> /shared/ns']);
    (c.linux as Record<string, any>).namespaces = (c.linux as Record<string, any>).namespaces.map((n: { type: string }) =>
      n.type === 'network' || n.type === 'uts' ? { type: n.type, path: `/proc/${pid}/ns/${n.type === 'network' ? 'net' : 'uts'}` } : n);
    delete (c as Record<string, unknown>).hostname;
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] } as any);
    const r = root.run(id, c);
    assert.equal(r.status, 0, r.stderr);
    const [net, uts, host] = readFileSync(join(shared, 'ns'), 'utf8').trim().split('\n');
    assert.equal(net, readlinkSync(`/proc/${pid}/ns/net`));
    assert.equal(uts, readlinkSync(`/proc/${pid}/ns/uts`));
    assert.equal(host, 'tsrun', "the holder's hostname");
    assert.equal(root.tsrun(['delete', '--force', holder]).status, 0);
  },
  'namespace-wrong-type-error': (root) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    (c.linux as Record<string, any>).namespaces = (c.linux as Record<string, any>).namespaces.map((n: { type: string }) => (n.type === 'ipc' ? { type: 'ipc', path: '/proc/self/ns/net' } : n));
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.deepEqual(root.leftoverState(), []);
  },
  'namespace-duplicate-error': (root) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    (c.linux as Record<string, any>).namespaces.push({ type: 'pid' });
    assert.notEqual(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
  },
  'cgroups-path-absolute': (root) => {
    const id = root.id('cgpath');
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, root.config(id, ['sleep', '100'])), id]).status, 0);
    const pid = stateOf(root, id).pid as number;
    for (const h of ['pids', 'memory', 'cpu', 'devices'])
      assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:${h}(,[^:]*)?:/${root.cgroupParent}/${id}\n`), h);
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  },
  'cgroups-path-invalid-error': (root) => {
    const id = root.id();
    const c = root.config(id, ['true']);
    (c.linux as Record<string, unknown>).cgroupsPath = '/../../escape';
    assert.notEqual(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    assert.deepEqual(root.leftoverState(), []);
  },
  'device-cgroup-order': (root) => {
    const id = root.id('devorder');
    const c = root.config(id, ['sleep', '100']);
    (c.linux as Record<string, any>).resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 99, minor: 1, access: 'rw' }, { allow: false, type: 'c', major: 99, minor: 1, access: 'w' }];
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    const list = readFileSync(`/sys/fs/cgroup/devices/${root.cgroupParent}/${id}/devices.list`, 'utf8');
    assert.match(list, /^c 99:1 r$/m, 'the later deny of w wins over the earlier allow of rw');
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  },

  'hooks.order-state-namespace': async (root) => {
    const { hook, log, calls } = hookKit(root, 'order');
    const id = root.id('hooks');
    const c = root.config(id, ['sleep', '100']);
    const h = (name: string) => ({ path: hook, args: ['hook', name], env: [`LOG=${log}`, `STATE_DIR=${root.state}`] });
    c.hooks = { prestart: [h('prestart')], createRuntime: [h('createRuntime1'), h('createRuntime2')], poststart: [h('poststart')], poststop: [h('poststop')] } as any;
    const bundle = root.bundle(id, c);
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    const got = calls();
    assert.deepEqual(got.map((x) => x.name), ['prestart', 'createRuntime1', 'createRuntime2', 'poststart', 'poststop'], 'in the listed order, prestart before createRuntime');
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    for (const x of got) {
      assert.equal(x.mntns, hostMnt, `${x.name} runs in the runtime namespace`);
      assert.equal(x.state.id, id);
      assert.equal(x.state.bundle, bundle);
    }
    assert.deepEqual(got.map((x) => x.state.status), ['created', 'created', 'created', 'running', 'stopped']);
    assert.equal(got[0]!.root, '/', 'prestart runs before pivot_root: the container process still has the host root');
    assert.equal(got[3]!.deleted, 'no', 'poststart: before start returns');
    assert.equal(got[4]!.deleted, 'yes', 'poststop: after the container is deleted');
  },
  'hooks.in-container': async (root) => {
    const { hook, log, calls } = hookKit(root, 'in-container');
    const id = root.id('inhooks');
    // startContainer's path exists only inside the container (/shared is a bind of this directory).
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    writeFileSync(join(shared, 'hook.sh'), readFileSync(hook, 'utf8').replace('exit "${2:-0}"', 'touch /shared/marker\nexit "${2:-0}"'));
    chmodSync(join(shared, 'hook.sh'), 0o755);
    const c = root.config(id, ['sh', '-c', '[ -e /shared/marker ] && echo seen-marker > /shared/out; sleep 100']);
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] } as any);
    c.hooks = {
      createRuntime: [{ path: hook, args: ['hook', 'createRuntime'], env: [`LOG=${log}`] }],
      createContainer: [{ path: hook, args: ['hook', 'createContainer'], env: [`LOG=${log}`] }],
      startContainer: [{ path: '/shared/hook.sh', args: ['hook', 'startContainer'], env: ['LOG=/shared/log'] }],
    } as any;
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    const initMnt = readlinkSync(`/proc/${stateOf(root, id).pid}/ns/mnt`);
    assert.deepEqual(calls().map((x) => x.name), ['createRuntime', 'createContainer'], `createContainer after createRuntime, at create (got ${calls().map((x) => x.name).join(', ')})`);
    assert.equal(calls()[1]!.mntns, initMnt, "createContainer runs in the container's mount namespace");
    assert.notEqual(calls()[1]!.mntns, readlinkSync('/proc/self/ns/mnt'));
    assert.ok(!existsSync(join(shared, 'log')), 'startContainer waits for start');
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.ok(await waitFor(() => existsSync(join(shared, 'out'))), 'the program ran after the hook');
    assert.equal(readFileSync(join(shared, 'out'), 'utf8'), 'seen-marker\n', 'startContainer ran before the program');
    const started = readFileSync(join(shared, 'log'), 'utf8').split('\t');
    assert.equal(started[0], 'startContainer');
    assert.equal(started[1], initMnt, "startContainer runs in the container's mount namespace, its path resolved there");
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  },
  'hooks.createContainer-failure': (root) => hookFailure(root, 'createContainer'),
  'seccomp.listener': async (root) => {
    const agent = new FdReceiver(join(root.dir, 'agent.sock'));
    await agent.listen();
    const id = root.id('notify');
    const c = root.config(id, ['sh', '-c', 'mkdir /tmp/x; sleep 100']);
    (c.linux as Record<string, unknown>).seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.path, listenerMetadata: 'meta',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    };
    try {
      assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
      const { fd, data } = await agent.nextMessage();
      const msg = JSON.parse(data.toString('utf8')) as { ociVersion: string; fds: string[]; pid: number; metadata: string; state: { id: string; pid: number; status: string } };
      const pid = stateOf(root, id).pid;
      assert.equal(typeof msg.ociVersion, 'string');
      assert.deepEqual(msg.fds, ['seccompFd'], 'one descriptor, named seccompFd');
      assert.equal(msg.pid, pid, 'the container process, as the runtime sees it');
      assert.equal(msg.metadata, 'meta');
      assert.deepEqual([msg.state.id, msg.state.pid], [id, pid], 'the container state');
      assert.match(readlinkSync(`/proc/self/fd/${fd}`), /seccomp/, 'the descriptor is a seccomp listener');
      closeFd(fd);
    } finally {
      agent.close();
      root.tsrun(['delete', '--force', id]);
    }
  },
  'hooks.prestart-failure': (root) => hookFailure(root, 'prestart'),
  'hooks.createRuntime-failure': (root) => hookFailure(root, 'createRuntime'),
  'hooks.poststart-failure': async (root) => {
    const { hook, log } = hookKit(root, 'poststart-fail');
    const id = root.id('psf');
    const c = root.config(id, ['sleep', '100']);
    c.hooks = { poststart: [{ path: hook, args: ['hook', 'poststart', '1'], env: [`LOG=${log}`] }] } as any;
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    assert.notEqual(root.tsrun(['start', id]).status, 0, 'start reports the error');
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'), 'the container is stopped');
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
  'hooks.poststop-failure': (root) => {
    const { hook, log, calls } = hookKit(root, 'poststop-fail');
    const id = root.id('pstop');
    const c = root.config(id, ['true']);
    c.hooks = { poststop: [{ path: hook, args: ['hook', 'first', '1'], env: [`LOG=${log}`] }, { path: hook, args: ['hook', 'second'], env: [`LOG=${log}`] }] } as any;
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0);
    const d = root.tsrun(['delete', id]);
    assert.equal(d.status, 0, 'delete goes on');
    assert.match(d.stderr, /level=warning/, 'a warning is logged');
    assert.deepEqual(calls().map((x) => x.name), ['first', 'second'], 'the remaining hooks run');
  },

  'config-updates-after-create': async (root) => {
    const id = root.id('frozen');
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    const c = root.config(id, ['sh', '-c', 'echo original > /shared/out']);
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] } as any);
    const bundle = root.bundle(id, c);
    assert.equal(root.tsrun(['create', '--bundle', bundle, id]).status, 0);
    c.process.args = ['sh', '-c', 'echo changed > /shared/out'];
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(c));
    assert.equal(root.tsrun(['start', id]).status, 0);
    assert.ok(await waitFor(() => existsSync(join(shared, 'out'))));
    assert.equal(readFileSync(join(shared, 'out'), 'utf8'), 'original\n');
    assert.ok(await waitFor(() => stateOf(root, id).status === 'stopped'));
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
  'device-mismatch-error': (root) => {
    const id = root.id('devclash');
    const c = root.config(id, ['true']);
    // /dev bound from a directory holding a regular file where the config wants a device.
    const devdir = join(root.dir, `dev-${id}`);
    mkdirSync(devdir);
    writeFileSync(join(devdir, 'clash'), 'not a device');
    c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith('/dev'));
    c.mounts.push({ destination: '/dev', type: 'bind', source: devdir, options: ['rbind', 'rw'] } as any);
    (c.linux as Record<string, any>).devices = [{ path: '/dev/clash', type: 'c', major: 1, minor: 3 }];
    const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /exists and is not the requested device/);
    assert.equal(readFileSync(join(devdir, 'clash'), 'utf8'), 'not a device', 'the file is left as it was');
  },
  'ungrantable-capability-warning': (root) => {
    // tsrun run with CAP_NET_RAW dropped from its own bounding set, so that it cannot grant it,
    // whatever this machine's root holds.
    const id = root.id('cap');
    const c = root.config(id, ['grep', 'CapBnd', '/proc/self/status']);
    c.process.capabilities = { bounding: ['CAP_KILL', 'CAP_NET_RAW'], effective: ['CAP_KILL', 'CAP_NET_RAW'], permitted: ['CAP_KILL', 'CAP_NET_RAW'] } as any;
    const log = join(root.dir, `log-${id}`);
    const r = spawnSync('setpriv', ['--bounding-set', '-net_raw', 'node', TSRUN, '--root', root.state, '--log', log, 'run', '--bundle', root.bundle(id, c), id], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `a capability that cannot be granted does not fail the container: ${r.stderr}`);
    assert.match(readFileSync(log, 'utf8'), /level=warning.*CAP_NET_RAW/, 'and is logged as a warning');
    assert.match(r.stdout, /CapBnd:\s*0*20\n/, 'the container runs with the rest (CAP_KILL alone)');
  },

  'unknown-capability-error': (root) => {
    const id = root.id('cap');
    const c = root.config(id, ['true']);
    c.process.capabilities = { bounding: ['CAP_KILL', 'CAP_NOT_A_CAPABILITY'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] } as any;
    const log = join(root.dir, `log-${id}`);
    const r = root.tsrun(['--log', log, 'run', '--bundle', root.bundle(id, c), id]);
    assert.notEqual(r.status, 0, 'a name no kernel maps to a capability is refused');
    assert.match(readFileSync(log, 'utf8'), /level=error.*process\.capabilities\.bounding\[1\]: \\?"CAP_NOT_A_CAPABILITY/, 'and logged with where it is');
    assert.deepEqual(root.leftoverState(), []);
  },

  'start.no-process-error': (root) => {
    const id = root.id('noproc');
    const c = root.config(id, ['true']);
    delete (c as Record<string, unknown>).process; (c as Record<string, unknown>).hostname = 'noproc';
    assert.equal(root.tsrun(['create', '--bundle', root.bundle(id, c), id]).status, 0, 'a config without process can be created');
    const r = root.tsrun(['start', id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no process to run/);
    assert.equal(stateOf(root, id).status, 'created', 'start had no effect');
    assert.equal(root.tsrun(['delete', id]).status, 0);
  },
};

/** A hook script that logs its name, its mount namespace, its state and what it sees; exits with $2. */
function hookKit(root: TestRoot, name: string) {
  const dir = join(root.dir, `hooks-${name}`);
  mkdirSync(dir, { recursive: true });
  const hook = join(dir, 'hook.sh');
  const log = join(dir, 'log');
  writeFileSync(log, '');
  writeFileSync(hook, [
    '#!/bin/sh',
    'state=$(cat)',
    'pid=$(echo "$state" | sed -n \'s/.*"pid":\\([0-9]*\\).*/\\1/p\')',
    'id=$(echo "$state" | sed -n \'s/.*"id":"\\([^"]*\\)".*/\\1/p\')',
    'root=$(readlink /proc/$pid/root 2>/dev/null)',
    'if [ -e "$STATE_DIR/$id" ]; then deleted=no; else deleted=yes; fi',
    'printf "%s\\t%s\\t%s\\t%s\\t%s\\n" "$1" "$(readlink /proc/self/ns/mnt)" "$root" "$deleted" "$state" >> "$LOG"',
    'exit "${2:-0}"',
    '',
  ].join('\n'));
  chmodSync(hook, 0o755);
  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [n, mntns, r, deleted, state] = l.split('\t');
    const st = JSON.parse(state!) as { id: string; bundle: string; status: string; pid: number };
    return { name: n!, mntns: mntns!, root: r!, deleted: deleted!, state: st };
  });
  return { hook, log, calls };
}

function hookFailure(root: TestRoot, kind: 'prestart' | 'createRuntime' | 'createContainer'): void {
  const { hook, log } = hookKit(root, `${kind}-fail`);
  const id = root.id('hf');
  const c = root.config(id, ['true']);
  c.hooks = { [kind]: [{ path: hook, args: ['hook', kind, '1'], env: [`LOG=${log}`] }] } as any;
  const r = root.tsrun(['create', '--bundle', root.bundle(id, c), id]);
  assert.notEqual(r.status, 0, 'create reports the error');
  assert.ok(!root.leftoverState().includes(id), 'the container is gone');
  assert.ok(!root.leftoverCgroups().some((d) => d.endsWith(`/${id}`)), 'and its cgroups');
}