import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Config } from '../../runtime/test/harness.ts';
import { mountAt, mounts, statusField, type Facts } from './facts.ts';

/** One container run whose facts, seen from inside by tsrun-check, settle several requirements. */
export interface Scenario {
  name: string;
  edit?: (c: Config) => void;
  checkerArgs?: string[];
  checks: Record<string, (f: Facts, c: Config) => void>;
}

const linux = (c: Config) => c.linux as Record<string, any>;
const hostNs = (t: string) => readlinkSync(`/proc/self/ns/${t}`);
const capMask = (names: string[]) => names.reduce((m, n) => m | (1n << BigInt(CAP_INDEX[n] ?? 0)), 0n);
const CAP_INDEX: Record<string, number> = { CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_ADMIN: 21, CAP_AUDIT_WRITE: 29 };
const hex = (m: bigint) => m.toString(16).padStart(16, '0');

/** The mount(8) options of config.md's table, each on a tmpfs of its own. */
const OPTION_MOUNTS = ['async', 'atime', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'noiversion', 'nolazytime',
  'norelatime', 'nostrictatime', 'private', 'rprivate', 'rshared', 'rslave', 'runbindable', 'silent', 'slave', 'suid', 'unbindable', 'nosymfollow', 'symfollow'];
/**
 * What each option shows in mountinfo, where it shows anything (per-mount flags and propagation).
 * norelatime only clears a flag: the kernel's default atime mode is relatime anyway.
 */
const OPTION_EFFECT: Record<string, (options: string[], optional: string[]) => void> = {
  atime: (o) => assert.ok(!o.includes('noatime')),
  dev: (o) => assert.ok(!o.includes('nodev')),
  exec: (o) => assert.ok(!o.includes('noexec')),
  suid: (o) => assert.ok(!o.includes('nosuid')),
  diratime: (o) => assert.ok(!o.includes('nodiratime')),
  nosymfollow: (o) => assert.ok(o.includes('nosymfollow')),
  symfollow: (o) => assert.ok(!o.includes('nosymfollow')),
  rshared: (_o, p) => assert.ok(p.some((x) => x.startsWith('shared:')), `shared: ${p}`),
  private: (_o, p) => assert.ok(!p.some((x) => /^(shared|master):/.test(x)), `private: ${p}`),
  rprivate: (_o, p) => assert.ok(!p.some((x) => /^(shared|master):/.test(x)), `private: ${p}`),
  unbindable: (_o, p) => assert.ok(p.includes('unbindable'), `unbindable: ${p}`),
  runbindable: (_o, p) => assert.ok(p.includes('unbindable'), `unbindable: ${p}`),
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'process and identity',
    edit: (c) => {
      c.hostname = 'conformance-host';
      c.domainname = 'conformance.test';
      c.process.cwd = '/work/here';
      c.process.env = ['PATH=/bin', 'ALPHA=1', 'BETA=two words'];
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [5, 1000, 2000], umask: 0o027 } as any;
      const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
      c.process.capabilities = { bounding: [...caps, 'CAP_SETUID'], effective: caps, permitted: caps, inheritable: caps, ambient: ['CAP_KILL'] } as any;
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }, { type: 'RLIMIT_CORE', soft: 0, hard: 4096 }];
      c.process.noNewPrivileges = true;
      (c.process as Record<string, unknown>).oomScoreAdj = 123;
    },
    checks: {
      'process.args': (f) => assert.equal(f.args[0], '/bin/tsrun-check'),
      'process.cwd': (f) => assert.equal(f.cwd, '/work/here'),
      'process.env': (f) => {
        for (const e of ['PATH=/bin', 'ALPHA=1', 'BETA=two words']) assert.ok(f.env.includes(e), e);
      },
      'process.user.uid': (f) => assert.deepEqual([f.uid, f.euid], [1000, 1000]),
      'process.user.gid': (f) => assert.deepEqual([f.gid, f.egid], [1000, 1000]),
      'process.user.additionalGids': (f) => assert.deepEqual([...f.groups].sort((a, b) => a - b), [5, 1000, 2000]),
      'process.user.umask': (f) => assert.equal(statusField(f, 'Umask'), '0027'),
      'process.capabilities.bounding': (f) => assert.equal(statusField(f, 'CapBnd'), hex(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID']))),
      'process.capabilities.effective': (f) => assert.equal(statusField(f, 'CapEff'), hex(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']))),
      'process.capabilities.permitted': (f) => assert.equal(statusField(f, 'CapPrm'), hex(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']))),
      'process.capabilities.inheritable': (f) => assert.equal(statusField(f, 'CapInh'), hex(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']))),
      'process.capabilities.ambient': (f) => assert.equal(statusField(f, 'CapAmb'), hex(capMask(['CAP_KILL']))),
      'process.rlimits': (f) => {
        assert.deepEqual(f.rlimits['7'], [321, 654]);
        assert.deepEqual(f.rlimits['4'], [0, 4096]);
      },
      'process.noNewPrivileges': (f) => assert.equal(statusField(f, 'NoNewPrivs'), '1'),
      'process.oomScoreAdj': (f) => assert.equal(f.oomScoreAdj.trim(), '123'),
      'hostname': (f) => assert.equal(f.hostname, 'conformance-host'),
      'domainname': (f) => assert.equal(f.domainname, 'conformance.test'),
      'cpu-affinity-unchanged': (f) => {
        const host = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'))!.split(':')[1]!.trim();
        assert.equal(statusField(f, 'Cpus_allowed_list'), host);
      },
    },
  },
  {
    name: 'namespaces, rootfs and mounts',
    edit: (c) => {
      c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=711'] } as any);
      linux(c).rootfsPropagation = 'private';
    },
    checkerArgs: ['--probe', '/', '--stat', '/scratch'],
    checks: {
      'linux.namespaces.new': (f) => {
        for (const [type, nsName] of [['pid', 'pid'], ['network', 'net'], ['ipc', 'ipc'], ['uts', 'uts'], ['mount', 'mnt'], ['cgroup', 'cgroup']] as const)
          assert.notEqual(f.ns[nsName], hostNs(nsName), `${type} namespace is new`);
      },
      'linux.namespaces.absent-shares-host': (f) => {
        assert.equal(f.ns.user, hostNs('user'), 'no user namespace asked: the host one');
        assert.equal(f.ns.time, hostNs('time'), 'no time namespace asked: the host one');
      },
      'pid.one': (f) => assert.equal(f.pid, 1),
      'root.path': (f) => assert.equal(mounts(f)[0]!.mountpoint, '/'),
      'root.readonly': (f) => {
        assert.ok(mounts(f)[0]!.options.includes('ro'), 'the rootfs mount is ro');
        assert.equal(f.probe['/']!.writable, false);
        assert.equal(f.probe['/']!.writeErrno, 30, 'EROFS');
      },
      'mounts.order-and-destination': (f) => {
        const points = mounts(f).map((m) => m.mountpoint);
        const order = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/scratch'];
        const idx = order.map((p) => points.indexOf(p));
        assert.ok(idx.every((i) => i >= 0), `all mounted: ${order.filter((_, k) => idx[k]! < 0)}`);
        assert.deepEqual([...idx].sort((a, b) => a - b), idx, 'in config order');
      },
      'mounts.options': (f) => {
        const m = mountAt(f, '/scratch')!;
        assert.equal(m.fstype, 'tmpfs');
        for (const o of ['nosuid', 'nodev', 'noexec']) assert.ok(m.options.includes(o), o);
        assert.ok(m.superOptions.includes('size=1024k') && m.superOptions.includes('mode=711'));
        assert.equal(f.stat['/scratch']!.mode, 0o711);
      },
      'linux.rootfsPropagation': (f) => assert.ok(!mounts(f)[0]!.optional.some((o) => /^(shared|master):/.test(o)), `private: the root mount has no peers (${mounts(f)[0]!.optional})`),
    },
  },
  {
    name: 'devices, masked and read-only paths, sysctl',
    edit: (c) => {
      linux(c).devices = [{ path: '/dev/conformance-fuse', type: 'c', major: 10, minor: 229, fileMode: 0o620, uid: 7, gid: 8 }, { path: '/dev/conformance-fifo', type: 'p', fileMode: 0o600 }];
      linux(c).maskedPaths = ['/proc/kcore', '/sys/firmware', '/proc/does-not-exist'];
      linux(c).readonlyPaths = ['/proc/sys', '/proc/sysrq-trigger'];
      linux(c).sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '4096' };
    },
    checkerArgs: [
      ...['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/conformance-fuse', '/dev/conformance-fifo', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/ptmx'].flatMap((p) => ['--stat', p]),
      '--probe', '/proc/kcore', '--probe', '/sys/firmware', '--probe', '/proc/sys/kernel/ns_last_pid', '--probe', '/dev/null',
      '--sysctl', 'net.ipv4.ip_forward', '--sysctl', 'kernel.msgmax',
    ],
    checks: {
      'linux.devices': (f) => {
        assert.deepEqual(f.stat['/dev/conformance-fuse'], { type: 'c', major: 10, minor: 229, mode: 0o620, uid: 7, gid: 8 });
        assert.equal(f.stat['/dev/conformance-fifo']!.type, 'p');
      },
      'default-devices': (f) => {
        for (const [p, ma, mi] of [['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7], ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0]] as const)
          assert.deepEqual(f.stat[p], { type: 'c', major: ma, minor: mi, mode: 0o666, uid: 0, gid: 0 }, p);
        assert.equal(f.stat['/dev/ptmx']!.target, 'pts/ptmx');
        assert.equal(f.probe['/dev/null']!.writable, true);
      },
      'dev-symlinks': (f) => {
        assert.equal(f.stat['/dev/fd']!.target, '/proc/self/fd');
        assert.equal(f.stat['/dev/stdin']!.target, '/proc/self/fd/0');
        assert.equal(f.stat['/dev/stdout']!.target, '/proc/self/fd/1');
        assert.equal(f.stat['/dev/stderr']!.target, '/proc/self/fd/2');
      },
      'linux.maskedPaths': (f) => {
        assert.equal(f.probe['/proc/kcore']!.bytes, 0, 'a masked file reads empty');
        assert.equal(f.probe['/sys/firmware']!.entries, 0, 'a masked directory is empty');
        assert.equal(f.probe['/sys/firmware']!.writable, false);
      },
      'linux.readonlyPaths': (f) => {
        assert.equal(f.probe['/proc/sys/kernel/ns_last_pid']!.writable, false);
        assert.equal(f.probe['/proc/sys/kernel/ns_last_pid']!.writeErrno, 30, 'EROFS');
        assert.ok(mountAt(f, '/proc/sys')!.options.includes('ro'));
      },
      'linux.sysctl': (f) => assert.deepEqual(f.sysctl, { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '4096' }),
    },
  },
  {
    name: 'user namespace mappings',
    edit: (c) => {
      linux(c).namespaces.push({ type: 'user' });
      linux(c).uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      linux(c).gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.mounts = c.mounts.filter((m: { type?: string }) => m.type !== 'cgroup' && m.type !== 'sysfs');
      delete linux(c).resources;
    },
    checks: {
      'linux.uidMappings': (f) => assert.deepEqual(f.uidMap!.trim().split(/\s+/).map(Number), [0, 200000, 65536]),
      'linux.gidMappings': (f) => assert.deepEqual(f.gidMap!.trim().split(/\s+/).map(Number), [0, 200000, 65536]),
      'linux.namespaces.user': (f) => assert.notEqual(f.ns.user, hostNs('user')),
    },
  },
  {
    name: 'cgroups',
    edit: (c) => {
      linux(c).resources = { ...linux(c).resources, pids: { limit: 77 }, memory: { limit: 96 * 1024 * 1024 } };
    },
    checkerArgs: ['--file', '/sys/fs/cgroup/pids/pids.max', '--file', '/sys/fs/cgroup/memory/memory.limit_in_bytes'],
    checks: {
      'linux.cgroupsPath': (f) => assert.match(f.cgroup, /:pids:\/\n/, 'in its own cgroup namespace the container is at its cgroup root'),
      'linux.resources.pids': (f) => assert.equal(f.files['/sys/fs/cgroup/pids/pids.max']?.trim(), '77'),
      'linux.resources.memory': (f) => assert.equal(f.files['/sys/fs/cgroup/memory/memory.limit_in_bytes']?.trim(), String(96 * 1024 * 1024)),
    },
  },
  {
    name: 'time namespace',
    edit: (c) => {
      linux(c).namespaces.push({ type: 'time' });
      linux(c).timeOffsets = { boottime: { secs: 1000000, nanosecs: 0 }, monotonic: { secs: 2000000, nanosecs: 0 } };
    },
    checkerArgs: ['--file', '/proc/uptime'],
    checks: {
      'linux.timeOffsets': (f) => assert.ok(Number(f.files['/proc/uptime']!.split(' ')[0]) > 1000000),
      'linux.namespaces.time': (f) => assert.notEqual(f.ns.time, hostNs('time')),
    },
  },
  {
    name: 'mount options',
    edit: (c) => {
      c.mounts.push({ destination: 'relative-dir', type: 'tmpfs', source: 'tmpfs' } as any);
      c.mounts.push({ destination: '/flags', type: 'tmpfs', source: 'tmpfs', options: ['defaults', 'rw', 'noatime', 'nodiratime', 'sync', 'size=1m'] } as any);
      c.mounts.push({ destination: '/rel', type: 'tmpfs', source: 'tmpfs', options: ['relatime'] } as any);
      c.mounts.push({ destination: '/strict', type: 'tmpfs', source: 'tmpfs', options: ['strictatime'] } as any);
      c.mounts.push({ destination: '/bound', type: 'bind', source: '/etc', options: ['rbind', 'ro'] } as any);
      c.mounts.push({ destination: '/shared-prop', type: 'tmpfs', source: 'tmpfs', options: ['shared'] } as any);
      c.mounts.push({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['remount', 'ro', 'nosuid', 'nodev', 'noexec'] } as any);
      (c.process as Record<string, unknown>).consoleSize = { height: 10, width: 20 };
      (c as Record<string, unknown>)['org.example.unknownProperty'] = { anything: true };
      (c as Record<string, unknown>).annotations = { 'org.example.unknown.key': 'x' };
    },
    checkerArgs: ['--probe', '/bound'],
    checks: {
      'relative-destination': (f) => assert.ok(mountAt(f, '/relative-dir'), 'a relative destination is taken from /'),
      'flags': (f) => {
        const m = mountAt(f, '/flags')!;
        for (const o of ['rw', 'noatime', 'nodiratime', 'sync']) assert.ok(m.options.includes(o) || m.superOptions.includes(o), `${o} in ${m.options}`);
        assert.ok(mountAt(f, '/rel')!.options.includes('relatime'));
      },
      'strictatime': (f) => assert.ok(!mountAt(f, '/strict')!.options.includes('relatime') && !mountAt(f, '/strict')!.options.includes('noatime')),
      'bind': (f) => {
        assert.ok(mountAt(f, '/bound')!.options.includes('ro'));
        assert.equal(f.probe['/bound']!.writable, false);
      },
      'propagation': (f) => assert.ok(mountAt(f, '/shared-prop')!.optional.some((o) => o.startsWith('shared:'))),
      'remount': (f) => assert.ok(mountAt(f, '/dev/shm')!.options.includes('ro'), 'the earlier /dev/shm remounted read-only'),
      'console-size-ignored': (f) => assert.equal(f.args[0], '/bin/tsrun-check', 'ran with consoleSize and no terminal'),
      'unknown-properties-ignored': (f) => assert.equal(f.args[0], '/bin/tsrun-check', 'ran with an unknown property and annotation'),
      'oom-score-adj-unchanged': (f) => assert.equal(f.oomScoreAdj.trim(), readFileSync('/proc/self/oom_score_adj', 'utf8').trim()),
    },
  },
  {
    name: 'every mount option',
    edit: (c) => {
      for (const opt of OPTION_MOUNTS) c.mounts.push({ destination: `/mo/${opt}`, type: 'tmpfs', source: 'tmpfs', options: [opt] } as any);
      c.mounts.push({ destination: '/mo/shared-base', type: 'tmpfs', source: 'tmpfs', options: ['rshared'] } as any);
    },
    checks: Object.fromEntries(OPTION_MOUNTS.map((opt) => [`option.${opt}`, (f: Facts) => {
      const m = mountAt(f, `/mo/${opt}`);
      assert.ok(m, `a tmpfs with ${opt} is mounted`);
      const want = OPTION_EFFECT[opt];
      if (want) want(m.options, m.optional);
    }])),
  },
];

