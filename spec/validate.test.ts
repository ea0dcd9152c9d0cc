// node --import tsx --test spec/validate.test.ts
//
// Needs spec/generated/validators.js (npx tsx scripts/build-validators.ts, or
// npm run build); without it this file fails instead of silently passing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const generatedUrl = new URL('./generated/validators.js', import.meta.url);
if (!existsSync(generatedUrl)) {
  throw new Error(
    'spec/generated/validators.js is missing: run `npx tsx scripts/build-validators.ts` (or `npm run build`) first',
  );
}

const {
  RUNTIME_SPEC_VERSION,
  SpecValidationError,
  checkOciVersion,
  validateFeatures,
  validateLinuxResources,
  validateProcessSpec,
  validateRuntimeConfig,
  validateRuntimeState,
} = await import('./index.ts');

// The client fixtures live in shared/, beside the checkout.
const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/client-specs', import.meta.url));

/** `runc spec` (runc 1.2) output. */
const runcSpec = {
  ociVersion: '1.2.0',
  process: {
    terminal: true,
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  },
  root: { path: 'rootfs', readonly: true },
  hostname: 'runc',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ],
  linux: {
    resources: { devices: [{ allow: false, access: 'rwm' }] },
    namespaces: [
      { type: 'pid' },
      { type: 'network' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'cgroup' },
    ],
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi',
    ],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  },
};

/** A copy of runc's default config changed by `mutate`. */
function broken(mutate: (c: any) => void): unknown {
  const c = structuredClone(runcSpec) as any;
  mutate(c);
  return c;
}

function assertRejects(fn: () => unknown, message: string, path?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SpecValidationError, `expected SpecValidationError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.name, 'SpecValidationError');
    if (path !== undefined) assert.equal(err.path, path);
    return true;
  });
}

describe('client fixtures', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  test('fixture directory is not empty', () => {
    assert.ok(files.length >= 10, `only ${files.length} fixtures in ${FIXTURES}`);
  });
  for (const file of files) {
    test(file, () => {
      const doc: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      if (file.endsWith('-config.json')) assert.equal(validateRuntimeConfig(doc, file), doc);
      else if (file.endsWith('-process.json')) assert.equal(validateProcessSpec(doc, file), doc);
      else if (file.endsWith('-update-resources.json')) assert.equal(validateLinuxResources(doc, file), doc);
      else assert.fail(`no validator for fixture ${file}`);
    });
  }
});

describe('valid configs', () => {
  test('runc spec default config', () => {
    const config = validateRuntimeConfig(runcSpec, 'config.json');
    assert.equal(config.process?.args[0], 'sh');
    assert.equal(config.linux?.namespaces?.[5]?.type, 'cgroup');
  });

  test('runc spec --rootless config', () => {
    const rootless = broken((c) => {
      c.linux.namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }];
      c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      delete c.linux.resources;
      c.mounts[6] = { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    });
    validateRuntimeConfig(rootless, 'config.json');
  });

  test('fields beyond (or beside) the schema are accepted', () => {
    const extended = broken((c) => {
      c.process.apparmorProfile = 'docker-default';
      c.process.selinuxLabel = 'system_u:system_r:container_t:s0';
      c.process.oomScoreAdj = -999;
      c.process.somethingNew = { x: 1 };
      c.linux.resources.memory = { limit: 1 << 30, swap: -1, kernel: 0, kernelTCP: 0 };
      c.linux.resources.cpu = { shares: 1024, quota: -1, period: 100000, cpus: '0-3' };
      c.linux.resources.pids = { limit: -1 };
      c.linux.resources.unified = { 'memory.high': '1G' };
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
        syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }],
      };
      c.linux.rootfsPropagation = 'rslave';
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.linux.timeOffsets = { monotonic: { secs: 10, nanosecs: 0 } };
      c.linux.personality = { domain: 'LINUX32' };
      c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }];
      c.linux.netDevices = { eth1: { name: 'net1' } };
      c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
      c.linux.intelRdt = { closID: 'guaranteed', l3CacheSchema: 'L3:0=ff' };
      c.hooks = {
        createRuntime: [{ path: '/usr/bin/hook', args: ['hook', 'create'], env: ['A=1'], timeout: 5 }],
        poststop: [{ path: '/usr/bin/hook' }],
      };
      c.annotations = { 'org.opencontainers.image.stopSignal': '15' };
      c.windows = { layerFolders: [] };
      c.vendorExtension = true;
    });
    validateRuntimeConfig(extended, 'config.json');
  });

  test('ociVersion 1.x variants are accepted', () => {
    for (const v of ['1.0.0', '1.0.2-dev', '1.1.0-rc.1', '1.2.0', '1.3.0', '1.9.99+build.7']) {
      validateRuntimeConfig(broken((c) => (c.ociVersion = v)), 'config.json');
      checkOciVersion(v, 'config.json');
    }
  });
});

describe('broken configs', () => {
  const cases: Array<[string, (c: any) => void, string]> = [
    [
      'wrong namespace type',
      (c) => (c.linux.namespaces[2].type = 'net'),
      'config.json: linux.namespaces[2].type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
    ],
    ['missing process.args', (c) => delete c.process.args, 'config.json: process.args: is required'],
    ['missing process.cwd', (c) => delete c.process.cwd, 'config.json: process.cwd: is required'],
    ['uid as a string', (c) => (c.process.user.uid = '0'), 'config.json: process.user.uid: must be integer'],
    ['negative uid', (c) => (c.process.user.uid = -1), 'config.json: process.user.uid: must be >= 0'],
    ['uid above uint32', (c) => (c.process.user.uid = 2 ** 32), 'config.json: process.user.uid: must be <= 4294967295'],
    ['fractional gid', (c) => (c.process.user.gid = 1.5), 'config.json: process.user.gid: must be integer'],
    [
      'bad ociVersion string',
      (c) => (c.ociVersion = 'v1.0'),
      'config.json: ociVersion: must match pattern ^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$',
    ],
    ['missing ociVersion', (c) => delete c.ociVersion, 'config.json: ociVersion: is required'],
    [
      'ociVersion 2.0.0',
      (c) => (c.ociVersion = '2.0.0'),
      'config.json: ociVersion: unsupported major version 2 in "2.0.0" (tsrun supports 1.x)',
    ],
    ['mount without destination', (c) => delete c.mounts[0].destination, 'config.json: mounts[0].destination: is required'],
    ['rlimit without hard', (c) => delete c.process.rlimits[0].hard, 'config.json: process.rlimits[0].hard: is required'],
    [
      'rlimit with a bad type',
      (c) => (c.process.rlimits[0].type = 'NOFILE'),
      'config.json: process.rlimits[0].type: must match pattern ^RLIMIT_[A-Z]+$',
    ],
    [
      'capability without CAP_ prefix',
      (c) => (c.process.capabilities.bounding[1] = 'KILL'),
      'config.json: process.capabilities.bounding[1]: must match pattern ^CAP_[A-Z_]+$',
    ],
    [
      "device type 'x'",
      (c) => (c.linux.devices = [{ type: 'x', path: '/dev/foo', major: 1, minor: 2 }]),
      'config.json: linux.devices[0].type: must be one of c, b, u, p',
    ],
    [
      'device without path',
      (c) => (c.linux.devices = [{ type: 'c', major: 1, minor: 2 }]),
      'config.json: linux.devices[0].path: is required',
    ],
    [
      'hook without path',
      (c) => (c.hooks = { prestart: [{ args: ['x'] }] }),
      'config.json: hooks.prestart[0].path: is required',
    ],
    [
      'hook timeout 0',
      (c) => (c.hooks = { prestart: [{ path: '/bin/true', timeout: 0 }] }),
      'config.json: hooks.prestart[0].timeout: must be >= 1',
    ],
    [
      'idMapping without size',
      (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1000 }]),
      'config.json: linux.uidMappings[0].size: is required',
    ],
    [
      'unknown seccomp action',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_DENY' }),
      'config.json: linux.seccomp.defaultAction: must be one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY',
    ],
    [
      'unknown seccomp operator',
      (c) =>
        (c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_XX' }] }],
        }),
      'config.json: linux.seccomp.syscalls[0].args[0].op: must be one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ',
    ],
    [
      'empty seccomp names',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_LOG' }] }),
      'config.json: linux.seccomp.syscalls[0].names: must have at least 1 item',
    ],
    [
      'bad personality domain',
      (c) => (c.linux.personality = { domain: 'LINUX64' }),
      'config.json: linux.personality.domain: must be one of LINUX, LINUX32',
    ],
    [
      'annotation value not a string',
      (c) => (c.annotations = { 'io.example/count': 3 }),
      'config.json: annotations["io.example/count"]: must be string',
    ],
    ['root without path', (c) => (c.root = { readonly: true }), 'config.json: root.path: is required'],
    ['document is an array', (c) => (c.length = 0), 'config.json: (root): must be object'],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, () => {
      const doc = name === 'document is an array' ? [] : broken(mutate);
      assertRejects(() => validateRuntimeConfig(doc, 'config.json'), message);
    });
  }

  test('error carries source, path and detail', () => {
    try {
      validateRuntimeConfig(broken((c) => (c.linux.namespaces[2].type = 'net')), 'bundle/config.json');
      assert.fail('did not throw');
    } catch (err) {
      assert.ok(err instanceof SpecValidationError);
      assert.ok(err instanceof Error);
      assert.equal(err.source, 'bundle/config.json');
      assert.equal(err.path, 'linux.namespaces[2].type');
      assert.equal(err.detail, 'must be one of pid, network, mount, ipc, uts, user, cgroup, time');
      assert.ok(!err.message.includes('\n'));
    }
  });

  test('numeric object keys are not shown as array indices', () => {
    assertRejects(
      () => validateRuntimeConfig(broken((c) => (c.annotations = { '42': false })), 'config.json'),
      'config.json: annotations["42"]: must be string',
    );
  });
});

describe('checkOciVersion', () => {
  test('refuses 2.0.0', () => {
    assertRejects(
      () => checkOciVersion('2.0.0', 'config.json'),
      'config.json: ociVersion: unsupported major version 2 in "2.0.0" (tsrun supports 1.x)',
      'ociVersion',
    );
  });
  test('refuses 0.x', () => {
    assertRejects(
      () => checkOciVersion('0.5.0', 'config.json'),
      'config.json: ociVersion: unsupported major version 0 in "0.5.0" (tsrun supports 1.x)',
    );
  });
  test('refuses a non-version', () => {
    assertRejects(
      () => checkOciVersion('latest', 'config.json'),
      'config.json: ociVersion: invalid version "latest" (want MAJOR.MINOR.PATCH)',
    );
  });
  test('accepts 1.3.0 and pre-releases', () => {
    checkOciVersion('1.3.0', 'config.json');
    checkOciVersion('1.0.2-dev', 'config.json');
    checkOciVersion('1.2.1-rc.2', 'config.json');
  });
  test('RUNTIME_SPEC_VERSION', () => {
    assert.equal(RUNTIME_SPEC_VERSION, '1.2.0');
    checkOciVersion(RUNTIME_SPEC_VERSION, 'self');
  });
});

describe('process and resources documents', () => {
  test('process.json without cwd', () => {
    assertRejects(
      () => validateProcessSpec({ args: ['sh'] }, 'process.json'),
      'process.json: cwd: is required',
    );
  });
  test('process.json with terminal as a string', () => {
    assertRejects(
      () => validateProcessSpec({ args: ['sh'], cwd: '/', terminal: 'yes' }, 'process.json'),
      'process.json: terminal: must be boolean',
    );
  });
  test('resources with a string memory limit', () => {
    assertRejects(
      () => validateLinuxResources({ memory: { limit: '64m' } }, 'resources.json'),
      'resources.json: memory.limit: must be integer',
    );
  });
  test('resources with a pids entry missing limit', () => {
    assertRejects(() => validateLinuxResources({ pids: {} }, 'resources.json'), 'resources.json: pids.limit: is required');
  });
  test('resources with blockIO.weight 0 (Docker) is accepted', () => {
    validateLinuxResources({ blockIO: { weight: 0 } }, 'resources.json');
  });
});

describe('state documents', () => {
  const state = {
    ociVersion: '1.2.0',
    id: 'ctr-1',
    status: 'running',
    pid: 4242,
    bundle: '/run/bundles/ctr-1',
    annotations: { 'org.example.key': 'value' },
  };
  test('a running container', () => {
    assert.equal(validateRuntimeState(state, 'state').status, 'running');
  });
  test('all statuses, including paused', () => {
    for (const status of ['creating', 'created', 'running', 'stopped', 'paused']) {
      validateRuntimeState({ ...state, status }, 'state');
    }
  });
  test('stopped container without pid', () => {
    const { pid: _pid, ...rest } = state;
    validateRuntimeState({ ...rest, status: 'stopped' }, 'state');
  });
  test('unknown status', () => {
    assertRejects(
      () => validateRuntimeState({ ...state, status: 'exited' }, 'state'),
      'state: status: must be one of creating, created, running, stopped, paused',
    );
  });
  test('missing bundle', () => {
    const { bundle: _b, ...rest } = state;
    assertRejects(() => validateRuntimeState(rest, 'state'), 'state: bundle: is required');
  });
  test('empty id', () => {
    assertRejects(() => validateRuntimeState({ ...state, id: '' }, 'state'), 'state: id: must not be empty');
  });
});

describe('features documents', () => {
  const features = {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.2.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: ['async', 'bind', 'ro', 'rw', 'nosuid', 'nodev', 'noexec', 'rbind', 'rprivate'],
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: true, rdma: true },
      seccomp: {
        enabled: true,
        actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL'],
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_NE'],
        archs: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
        knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'],
        supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC'],
      },
      apparmor: { enabled: true },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: {
      'io.github.seccomp.libseccomp.version': '2.5.5',
      'org.opencontainers.runc.checkpoint.enabled': 'true',
    },
    potentiallyUnsafeConfigAnnotations: ['bundle', 'org.systemd.property.'],
  };
  test('a runc-like features document', () => {
    assert.equal(validateFeatures(features, 'features').ociVersionMax, '1.2.0');
  });
  test('missing ociVersionMax', () => {
    const { ociVersionMax: _m, ...rest } = features;
    assertRejects(() => validateFeatures(rest, 'features'), 'features: ociVersionMax: is required');
  });
  test('cgroup.v2 not a boolean', () => {
    const bad = structuredClone(features) as any;
    bad.linux.cgroup.v2 = 'yes';
    assertRejects(() => validateFeatures(bad, 'features'), 'features: linux.cgroup.v2: must be boolean');
  });
});

describe('generated module', () => {
  const file = fileURLToPath(generatedUrl);
  test('is self-contained (no imports, no require, no schema compilation)', () => {
    const code = readFileSync(file, 'utf8');
    assert.doesNotMatch(code, /^\s*import\s/m);
    assert.doesNotMatch(code, /\brequire\(/);
    assert.doesNotMatch(code, /new Ajv|\.compile\(/);
  });
  test('loads under plain node', () => {
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(generatedUrl.href)}); console.log(Object.keys(m).sort().join(','))`],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'validateConfig,validateFeatures,validateLinuxResources,validateProcess,validateState');
  });
});
