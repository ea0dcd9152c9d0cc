import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, statSync, mkdirSync, openSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestRoot, busyboxRootfs, mountCount, waitFor, type Config } from './harness.ts';

/** What a container sees of itself, read from the inside with busybox. */
describe('isolation: a container sees only what its config gives it', () => {
  let root: TestRoot;
  let mountsBefore: number;
  before(() => {
    root = new TestRoot('iso');
    mountsBefore = mountCount();
  });
  after(() => {
    const cgroups = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(cgroups, [], 'no container cgroup left');
    assert.equal(mountCount(), mountsBefore, 'no mount left on the host');
  });

  const sh = (script: string, edit?: (c: Config) => void, extra: string[] = []) => {
    const id = root.id();
    const c = root.config(id, ['sh', '-c', script]);
    edit?.(c);
    const r = root.run(id, c, extra);
    assert.equal(r.status, 0, `container failed: ${r.stderr}`);
    return r.stdout;
  };
  const linux = (c: Config) => c.linux as Record<string, any>;

  test('own hostname, domainname and pid 1', () => {
    const out = sh('hostname; cat /proc/sys/kernel/domainname; echo $$; cat /proc/1/cmdline | tr "\\0" " "', (c) => {
      c.hostname = 'box-one';
      c.domainname = 'example.test';
    });
    const [host, domain, pid, cmd] = out.split('\n');
    assert.equal(host, 'box-one');
    assert.equal(domain, 'example.test');
    assert.equal(pid, '1');
    assert.match(cmd!, /^sh -c/);
  });

  test('namespaces differ from the host, by inode', () => {
    const out = sh('for n in pid net ipc uts mnt cgroup; do readlink /proc/self/ns/$n; done');
    const inside = out.trim().split('\n');
    const host = ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    inside.forEach((ns, i) => assert.notEqual(ns, host[i], `${ns} is not the host's`));
  });

  test('only its own mounts: the rootfs as /, proc, sysfs, tmpfs /dev, devpts, shm, mqueue, cgroups', () => {
    const out = sh('cat /proc/self/mountinfo');
    const mounts = out.trim().split('\n').map((l) => l.split(' ')[4]!);
    assert.equal(mounts[0], '/', 'the rootfs is the first mount');
    for (const m of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/sys/fs/cgroup/memory'])
      assert.ok(mounts.includes(m), `${m} mounted`);
    assert.ok(!mounts.some((m) => m.startsWith('/work') || m.startsWith('/tmp/tsrun')), 'no host path visible');
    const root = out.split('\n')[0]!;
    assert.match(root, / \/ ro,/, 'root.readonly makes / read-only');
    const shm = out.split('\n').find((l) => l.split(' ')[4] === '/dev/shm')!;
    assert.match(shm, /rw,nosuid,nodev,noexec/);
  });

  test('rlimits and capabilities from the config, read from /proc/self', () => {
    const out = sh('grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status; grep "open files" /proc/self/limits', (c) => {
      const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: ['CAP_KILL'] } as any;
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 123, hard: 456 }];
    });
    // CAP_CHOWN=0, CAP_KILL=5, CAP_NET_BIND_SERVICE=10 -> 0x421
    assert.match(out, /CapInh:\s+0000000000000421/);
    assert.match(out, /CapPrm:\s+0000000000000421/);
    assert.match(out, /CapEff:\s+0000000000000421/);
    assert.match(out, /CapBnd:\s+0000000000000421/);
    assert.match(out, /CapAmb:\s+0000000000000020/);
    assert.match(out, /NoNewPrivs:\s+1/);
    assert.match(out, /Max open files\s+123\s+456/);
  });

  test('user, groups, umask, cwd, env and HOME', () => {
    const out = sh('id -u; id -g; id -G; umask; pwd; echo "$FOO"; echo "$HOME"', (c) => {
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o027 } as any;
      c.process.cwd = '/tmp/work/dir';
      c.process.env = [...c.process.env, 'FOO=bar baz'];
    });
    assert.deepEqual(out.trim().split('\n'), ['1000', '1000', '1000 10 20', '0027', '/tmp/work/dir', 'bar baz', '/home/user']);
  });

  test('masked paths are unreadable, read-only paths are read-only', () => {
    const out = sh('cat /proc/kcore | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo writable || echo readonly; touch /rootfile 2>/dev/null && echo rootrw || echo rootro', (c) => {
      linux(c).maskedPaths = ['/proc/kcore', '/sys/firmware', '/does/not/exist'];
    });
    assert.deepEqual(out.trim().split('\n').map((s) => s.trim()), ['0', '0', 'readonly', 'rootro']);
  });

  test('default devices and config devices with type, numbers, mode and owner', () => {
    const out = sh('for d in null zero full random urandom tty fuse; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done; readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; echo x > /dev/null && echo null-ok', (c) => {
      linux(c).devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o640, uid: 1000, gid: 1000 }];
      linux(c).resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' });
    });
    const lines = out.trim().split('\n');
    assert.equal(lines[0], '/dev/null character special file 1:3 666 0:0');
    assert.equal(lines[5], '/dev/tty character special file 5:0 666 0:0');
    assert.equal(lines[6], '/dev/fuse character special file a:e5 640 1000:1000');
    assert.deepEqual(lines.slice(7, 10), ['/proc/self/fd', '/proc/self/fd/0', 'pts/ptmx']);
    assert.equal(lines[10], 'null-ok');
  });

  test('the devices cgroup denies what the config does not allow', () => {
    const out = sh('mknod /tmp/sda b 8 0 && (head -c1 /tmp/sda >/dev/null 2>&1 && echo read || echo denied)', (c) => {
      c.root.readonly = false;
      c.root.path = busyboxRootfs(join(root.dir, 'rw-rootfs'));
      c.process.capabilities = { bounding: ['CAP_MKNOD'], effective: ['CAP_MKNOD'], permitted: ['CAP_MKNOD'] } as any;
    });
    assert.equal(out.trim(), 'denied');
  });

  test('sysctls in the namespaces they belong to, and oomScoreAdj', () => {
    const out = sh('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni /proc/self/oom_score_adj', (c) => {
      linux(c).sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1000' };
      (c.process as Record<string, unknown>).oomScoreAdj = 500;
    });
    assert.deepEqual(out.trim().split('\n'), ['1', '1000', '500']);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1' ? 'host' : 'ok', 'ok', 'the host is untouched');
  });

  test('mount options: tmpfs size and mode, read-only bind, nosuid/nodev/noexec', () => {
    const src = join(root.dir, 'share');
    mkdirSync(src);
    writeFileSync(join(src, 'hello'), 'hi\n');
    const out = sh('grep -E " /(scratch|share) " /proc/self/mountinfo | cut -d" " -f5,6,9-; stat -c %a /scratch; cat /share/hello; touch /share/x 2>/dev/null && echo rw || echo ro', (c) => {
      c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=700'] } as any);
      c.mounts.push({ destination: '/share', type: 'bind', source: src, options: ['rbind', 'ro', 'nosuid'] } as any);
    });
    const lines = out.trim().split('\n');
    assert.match(lines.find((l) => l.startsWith('/scratch'))!, /^\/scratch rw,nosuid,nodev,noexec\S* tmpfs rw,size=1024k,mode=700/);
    assert.match(lines.find((l) => l.startsWith('/share'))!, /^\/share ro,nosuid/);
    assert.deepEqual(lines.slice(2), ['700', 'hi', 'ro']);
    assert.ok(!existsSync(join(src, 'x')));
  });

  test('a symlink in the rootfs cannot lead a mount out of it', () => {
    const rootfs = busyboxRootfs(join(root.dir, 'evil-rootfs'));
    const outside = join(root.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(rootfs, 'escape'));            // absolute, points at a host directory
    symlinkSync('../../../../..' + outside, join(rootfs, 'up')); // relative, climbs out
    const out = sh('ls -d /escape/* /up/* 2>/dev/null; grep -c tmpfs /proc/self/mountinfo >/dev/null; echo done', (c) => {
      c.root = { path: rootfs, readonly: false };
      c.mounts.push({ destination: '/escape/m1', type: 'tmpfs', source: 'tmpfs' } as any);
      c.mounts.push({ destination: '/up/m2', type: 'tmpfs', source: 'tmpfs' } as any);
    });
    assert.match(out, /done/);
    assert.ok(!existsSync(join(outside, 'm1')) && !existsSync(join(outside, 'm2')), 'nothing was made in the host directory');
    assert.ok(existsSync(join(rootfs, root.dir.slice(1), 'outside/m1')) || existsSync(join(rootfs, outside.slice(1), 'm1')), 'the mount point was made inside the rootfs');
  });

  test('a user namespace maps ids; files the container makes belong to the host ids', () => {
    const rootfs = busyboxRootfs(join(root.dir, 'userns-rootfs'));
    chmodSync(root.dir, 0o755); // the namespace's root is host uid 100000: it must reach the rootfs
    const out = sh('cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/made', (c) => {
      c.root = { path: rootfs, readonly: false };
      linux(c).namespaces.push({ type: 'user' });
      linux(c).uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      linux(c).gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts = c.mounts.filter((m: { type?: string }) => m.type !== 'cgroup' && m.type !== 'sysfs');
      linux(c).resources = undefined;
    });
    const lines = out.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0 100000 65536', '0 100000 65536', '0']);
    const made = statSync(join(rootfs, 'tmp/made'));
    assert.deepEqual([made.uid, made.gid], [100000, 100000]);
  });

  test('a time namespace applies its offsets', () => {
    const out = sh('cut -d" " -f1 /proc/uptime', (c) => {
      linux(c).namespaces.push({ type: 'time' });
      linux(c).timeOffsets = { boottime: { secs: 86400 * 365, nanosecs: 0 } };
    });
    assert.ok(Number(out.trim()) > 86400 * 365, `uptime ${out.trim()} includes the offset`);
  });

  test('joining a namespace by path', () => {
    const netns = readlinkSync('/proc/self/ns/net');
    const out = sh('readlink /proc/self/ns/net', (c) => {
      linux(c).namespaces = linux(c).namespaces.map((n: { type: string }) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
    });
    assert.equal(out.trim(), netns, 'the container shares the host network namespace it joined');
  });

  test('only stdio and --preserve-fds reach the container; LISTEN_FDS is set for socket activation', () => {
    const f3 = openSync(join(root.dir, 'fd3'), 'w');
    const f4 = openSync(join(root.dir, 'fd4'), 'w');
    try {
      const id = root.id();
      const bundle = root.bundle(id, root.config(id, ['sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "; echo to-fd3 >&3']));
      const leak = root.tsrun(['run', '--bundle', bundle, id], { extraFds: [f3, f4] });
      assert.notEqual(leak.status, 0, 'fd 3 is not open in the container without --preserve-fds');
      assert.match(leak.stdout, /^0 1 2 3 $/, `only stdio (and ls's own directory fd 3) are open: ${leak.stdout}`);
      const id2 = root.id();
      const bundle2 = root.bundle(id2, root.config(id2, ['sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "; echo to-fd3 >&3']));
      const kept = root.tsrun(['run', '--preserve-fds', '1', '--bundle', bundle2, id2], { extraFds: [f3, f4] });
      assert.equal(kept.status, 0, kept.stderr);
      assert.match(kept.stdout, /^0 1 2 3 4 $/);
      assert.equal(readFileSync(join(root.dir, 'fd3'), 'utf8'), 'to-fd3\n');
      const id3 = root.id();
      const bundle3 = root.bundle(id3, root.config(id3, ['sh', '-c', 'echo $LISTEN_FDS $LISTEN_PID']));
      const act = root.tsrun(['run', '--bundle', bundle3, id3], { extraFds: [f3], env: { ...process.env, LISTEN_FDS: '1', LISTEN_PID: 'self' } });
      // LISTEN_PID must equal tsrun's own pid to count; 'self' never does, so nothing is passed.
      assert.equal(act.stdout.trim(), '');
    } finally {
      closeSync(f3);
      closeSync(f4);
    }
  });

  test('the container is in its cgroup in every hierarchy; the config limits are written', async () => {
    const id = root.id();
    const c = root.config(id, ['sh', '-c', 'cat /proc/self/cgroup /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes; sleep 1000']);
    linux(c).resources.pids = { limit: 64 };
    linux(c).resources.memory = { limit: 64 * 1024 * 1024 };
    const bundle = root.bundle(id, c);
    const out = join(root.dir, 'cgroup-out');
    const fd = openSync(out, 'w');
    const r = root.tsrun(['run', '-d', '--bundle', bundle, id], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    assert.equal(r.status, 0, r.stderr);
    const pid = (JSON.parse(root.tsrun(['state', id]).stdout) as { pid: number }).pid;
    const host = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    for (const h of ['pids', 'memory', 'cpu', 'devices', 'freezer', 'blkio', 'cpuset', 'name=systemd'])
      assert.match(host, new RegExp(`:${h}(,[^:]*)?:/${root.cgroupParent}/${id}\n`), `${h} placed`);
    assert.ok(await waitFor(() => readFileSync(out, 'utf8').includes('67108864')));
    // In its own cgroup namespace the container sees itself at the root.
    assert.match(readFileSync(out, 'utf8'), /\d+:pids:\/\n[\s\S]*\n64\n67108864\n$/);
    assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
  });
});
