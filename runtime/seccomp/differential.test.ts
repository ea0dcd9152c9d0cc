// Differential test: our compiler against libseccomp (as runc drives it).
// Both programs run in our BPF interpreter over many (arch, nr, args) inputs
// and must return the same action for every one.
//
// Needs gcc and libseccomp-dev (Debian: apt-get install -y libseccomp-dev);
// skipped with a reason when either is missing.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { LinuxSeccomp } from '../../spec/types.ts';
import { ARCHES, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, HOST_FAMILIES, IPC_SUBCALLS, SOCKETCALL_SUBCALLS, type ArchName, type HostArch } from './arch.ts';
import { decodeProgram, type SockFilter } from './bpf.ts';
import { runBpf } from './bpf-interpreter.ts';
import { compileSeccompFor, maxDepth } from './index.ts';

const here = dirname(fileURLToPath(import.meta.url));
// The client fixtures live in shared/, beside the checkout.
const DOCKER = join(here, '../../../shared/fixtures/client-specs/docker-run-config.json');
const PODMAN = join(here, '../../../shared/fixtures/client-specs/podman-run-config.json');

function hasTool(): string | undefined {
  if (process.arch !== 'x64') return 'the differential test covers x86_64 hosts';
  if (spawnSync('gcc', ['--version']).status !== 0) return 'gcc is not installed';
  if (!existsSync('/usr/include/seccomp.h')) return 'libseccomp-dev is not installed (apt-get install -y libseccomp-dev)';
  return undefined;
}
const skip = hasTool();

let work = '';
let exporter = '';

const ACTION_BASE: Record<string, number> = {
  SCMP_ACT_KILL: 0, SCMP_ACT_KILL_THREAD: 0, SCMP_ACT_KILL_PROCESS: 0x80000000, SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000, SCMP_ACT_TRACE: 0x7ff00000, SCMP_ACT_ALLOW: 0x7fff0000, SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};
function act(name: string, errno: number | undefined): number {
  const b = ACTION_BASE[name]!;
  return name === 'SCMP_ACT_ERRNO' || name === 'SCMP_ACT_TRACE' ? (b | (errno ?? 1)) >>> 0 : b;
}

/** The profile in the exporter's line format, after runc's own expansion (seccomp_linux.go matchCall). */
function toLines(p: LinuxSeccomp): string {
  const def = act(p.defaultAction, p.defaultErrnoRet);
  const lines = [`default ${def}`];
  for (const a of p.architectures ?? []) lines.push(`arch ${a}`);
  let n = 0;
  const rules: string[] = [];
  for (const sc of p.syscalls ?? []) {
    const a = act(sc.action, sc.errnoRet);
    for (const name of sc.names) {
      n++;
      if (a === def) continue;
      const args = sc.args ?? [];
      const fmt = (x: { index: number; op: string; value: number; valueTwo?: number }) =>
        `${x.index} ${x.op} ${BigInt(x.value)} ${BigInt(x.valueTwo ?? 0)}`;
      const counts = new Map<number, number>();
      for (const x of args) counts.set(x.index, (counts.get(x.index) ?? 0) + 1);
      if ([...counts.values()].some((c) => c > 1)) for (const x of args) rules.push(`rule ${a} ${name} 1 ${fmt(x)}`);
      else rules.push(`rule ${a} ${name} ${args.length} ${args.map(fmt).join(' ')}`);
    }
  }
  if (n > 32) lines.push('optimize 2'); // as runc
  return [...lines, ...rules].join('\n') + '\n';
}

function libseccompProgram(p: LinuxSeccomp): SockFilter[] {
  const out = spawnSync(exporter, [], { input: toLines(p), maxBuffer: 1 << 24 });
  if (out.status !== 0) throw new Error(`libseccomp refused: ${out.stderr.toString().trim()}`);
  return decodeProgram(out.stdout);
}

/** Names whose number libseccomp 2.5's table and our kernel-header table disagree on, per arch. */
function tableDisagreements(names: string[], host: HostArch): Set<string> {
  const arches = HOST_FAMILIES[host];
  const out = execFileSync(exporter, ['resolve', ...arches], { input: names.join('\n') + '\n' }).toString();
  const bad = new Set<string>();
  for (const line of out.trim().split('\n')) {
    const [name, arch, nrText] = line.split(' ') as [string, ArchName, string];
    const theirs = Number(nrText);
    const table = ARCHES[arch].table;
    const ours = Object.hasOwn(table, name) ? table[name]! : undefined;
    const multiplexed = arch === 'SCMP_ARCH_X86' && (name in SOCKETCALL_SUBCALLS || name in IPC_SUBCALLS);
    if (multiplexed) continue; // libseccomp answers with a pseudo number; the BPF comparison covers these
    const theirsReal = theirs >= 0 ? theirs : undefined;
    if (theirsReal !== ours) bad.add(name);
  }
  return bad;
}

/** Drops the names libseccomp's table and ours disagree on, and says which. */
function comparable(p: LinuxSeccomp, host: HostArch = 'x86_64'): { profile: LinuxSeccomp; dropped: string[] } {
  const names = [...new Set((p.syscalls ?? []).flatMap((s) => s.names))];
  const bad = tableDisagreements(names, host);
  const syscalls = (p.syscalls ?? [])
    .map((s) => ({ ...s, names: s.names.filter((n) => !bad.has(n)) }))
    .filter((s) => s.names.length > 0);
  return { profile: { ...p, syscalls }, dropped: [...bad] };
}

// ---- inputs ------------------------------------------------------------------------

/** Deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

const U64 = (1n << 64n) - 1n;
function edgeValues(p: LinuxSeccomp): bigint[] {
  const vals = new Set<bigint>([0n, 1n, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, U64, 1n << 63n, (1n << 63n) - 1n]);
  for (const sc of p.syscalls ?? []) {
    for (const a of sc.args ?? []) {
      for (const raw of [a.value, a.valueTwo ?? 0]) {
        const v = BigInt(raw);
        for (const d of [v - 1n, v, v + 1n, v ^ (1n << 32n), v + (1n << 32n), v - (1n << 32n), v | (0xffffffffn << 32n), v & 0xffffffffn, ~v]) {
          vals.add(BigInt.asUintN(64, d));
        }
      }
      if (a.op === 'SCMP_CMP_MASKED_EQ') {
        const m = BigInt(a.value);
        const t = BigInt(a.valueTwo ?? 0);
        vals.add(t & m);
        vals.add((t & m) | (~m & U64));
        vals.add(BigInt.asUintN(64, (t & m) ^ (m & -m)));
      }
    }
  }
  return [...vals];
}

interface Input { arch: number; nr: number; args: bigint[] }

function* inputs(p: LinuxSeccomp, seed: number, host: HostArch): Generator<Input> {
  const r = rng(seed);
  const rand64 = () => (BigInt(r()) << 32n) | BigInt(r());
  const edges = edgeValues(p);
  const family = HOST_FAMILIES[host];
  const arches = host === 'x86_64' ? [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386] : [AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM];
  const nrs = new Set<number>();
  for (let n = 0; n < 600; n++) nrs.add(n);
  for (let n = 0; n < 600; n++) nrs.add(0x40000000 + n);
  for (let n = 0; n < 16; n++) nrs.add(0x0f0000 + n); // ARM's private calls
  for (const n of [0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x40000000 - 1, 1000, 4095, 65535]) nrs.add(n);
  for (let i = 0; i < 200; i++) nrs.add(r());
  const zero = [0n, 0n, 0n, 0n, 0n, 0n];
  for (const arch of arches) {
    for (const nr of nrs) {
      yield { arch, nr, args: zero };
      yield { arch, nr, args: Array.from({ length: 6 }, rand64) };
    }
  }
  // argument edges on every syscall number that any rule names, in every argument slot
  const ruled = new Set<number>();
  for (const sc of p.syscalls ?? []) {
    if (!sc.args?.length && !sc.names.some((n) => n in SOCKETCALL_SUBCALLS || n in IPC_SUBCALLS)) continue;
    for (const name of sc.names) {
      for (const a of family) {
        const nr = ARCHES[a].table[name];
        if (nr !== undefined) ruled.add(nr);
      }
    }
  }
  if (host === 'x86_64') {
    ruled.add(ARCHES.SCMP_ARCH_X86.table.socketcall!);
    ruled.add(ARCHES.SCMP_ARCH_X86.table.ipc!);
  }
  for (const arch of arches) {
    for (const nr of ruled) {
      for (let slot = 0; slot < 6; slot++) {
        for (const v of edges) {
          const args = [0n, 0n, 0n, 0n, 0n, 0n];
          args[slot] = v;
          yield { arch, nr, args };
        }
      }
      for (let i = 0; i < 300; i++) {
        yield { arch, nr, args: Array.from({ length: 6 }, () => edges[r() % edges.length]!) };
      }
      for (let sub = 0; sub <= 25; sub++) yield { arch, nr, args: [BigInt(sub), 0n, 0n, 0n, 0n, 0n] };
    }
  }
  // architectures nobody listed (libseccomp always adds this machine's own, x86_64: not probed for aarch64)
  for (const arch of host === 'x86_64' ? [AUDIT_ARCH_AARCH64, 0, 0xffffffff] : [0, 0xffffffff]) for (const nr of [0, 1, 59]) yield { arch, nr, args: zero };
}

function compare(name: string, p: LinuxSeccomp, seed = 1, host: HostArch = 'x86_64'): { checked: number; ours: SockFilter[]; theirs: SockFilter[] } {
  const ours = decodeProgram(compileSeccompFor(p, name, { host }).program);
  const theirs = libseccompProgram(p);
  let checked = 0;
  const mismatches: string[] = [];
  for (const inp of inputs(p, seed, host)) {
    const a = runBpf(ours, inp).action;
    const b = runBpf(theirs, inp).action;
    checked++;
    if (a !== b && mismatches.length < 10) {
      mismatches.push(`arch 0x${inp.arch.toString(16)} nr ${inp.nr} args [${inp.args.map((x) => '0x' + x.toString(16)).join(', ')}]: ours 0x${a.toString(16)}, libseccomp 0x${b.toString(16)}`);
    }
  }
  assert.deepEqual(mismatches, [], `${name}: verdicts differ`);
  return { checked, ours, theirs };
}

// ---- profiles ------------------------------------------------------------------------

const X86_FAMILY = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] as LinuxSeccomp['architectures'];

const HI = 0x1_0000_0005;
const EDGE_OPS: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ERRNO',
  architectures: X86_FAMILY,
  syscalls: [
    { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: HI, op: 'SCMP_CMP_GT' }] },
    { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: HI, op: 'SCMP_CMP_GE' }] },
    { names: ['open'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: HI, op: 'SCMP_CMP_LT' }] },
    { names: ['close'], action: 'SCMP_ACT_ALLOW', args: [{ index: 3, value: HI, op: 'SCMP_CMP_LE' }] },
    { names: ['stat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 4, value: HI, op: 'SCMP_CMP_NE' }] },
    { names: ['fstat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 5, value: HI, op: 'SCMP_CMP_EQ' }] },
    { names: ['lstat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xff00_0000_0000_ff00, valueTwo: 0x1200_0000_0000_3400, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['poll'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0xf0, valueTwo: 0x1ff, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['lseek'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, valueTwo: 5, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 18446744073709551615, op: 'SCMP_CMP_EQ' }] },
    { names: ['mprotect'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_GT' }, { index: 1, value: 2 ** 32, op: 'SCMP_CMP_LT' }] },
    { names: ['munmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    { names: ['brk'], action: 'SCMP_ACT_ALLOW', args: [{ index: 5, value: 2 ** 63, op: 'SCMP_CMP_GE' }] },
    { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0xffff_ffff, op: 'SCMP_CMP_LE' }, { index: 2, value: 7, op: 'SCMP_CMP_NE' }, { index: 3, value: 0, op: 'SCMP_CMP_GE' }] },
    { names: ['pread64'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x0000_0003_0000_0000, valueTwo: 0x0000_0001_0000_0000, op: 'SCMP_CMP_MASKED_EQ' }] },
  ],
};

const EDGE_ACTIONS: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  architectures: X86_FAMILY,
  syscalls: [
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
    { names: ['getpid'], action: 'SCMP_ACT_TRAP' },
    { names: ['getppid'], action: 'SCMP_ACT_LOG' },
    { names: ['gettid'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
    { names: ['getuid'], action: 'SCMP_ACT_TRACE' },
    { names: ['getgid'], action: 'SCMP_ACT_ERRNO' },
    { names: ['geteuid'], action: 'SCMP_ACT_KILL' },
    { names: ['getegid'], action: 'SCMP_ACT_KILL_THREAD' },
    { names: ['getpgrp'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }, // = default: dropped
    { names: ['nosuchcall', 'read', 'anothermissingone'], action: 'SCMP_ACT_ALLOW' },
    { names: ['socketcall', '_llseek', 'stat64', 'arch_prctl', 'waitpid'], action: 'SCMP_ACT_ALLOW' },
    // unconditional after conditional, and conditional after unconditional
    { names: ['setuid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['setuid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    { names: ['setgid'], action: 'SCMP_ACT_ALLOW' },
    { names: ['setgid'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['setgid'], action: 'SCMP_ACT_LOG' },
    // multiplexed on i386
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    { names: ['connect', 'recv', 'accept', 'sendmmsg'], action: 'SCMP_ACT_ALLOW' },
    { names: ['setsockopt'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 1, op: 'SCMP_CMP_EQ' }] },
    { names: ['semget', 'semop', 'shmctl'], action: 'SCMP_ACT_LOG' },
  ],
};

const X86_64_ONLY: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_KILL_PROCESS',
  syscalls: [
    { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
    { names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [{ index: 2, value: 0o100, valueTwo: 0o100, op: 'SCMP_CMP_MASKED_EQ' }] },
  ],
};

const WITH_X32: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X32'],
  syscalls: [
    { names: ['ptrace', 'kexec_load'], action: 'SCMP_ACT_ERRNO' },
    { names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ', valueTwo: 0x10000000 }] },
    { names: ['rt_sigaction'], action: 'SCMP_ACT_LOG' },
  ],
};

const WITH_X86: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_TRAP',
  architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
  syscalls: [
    { names: ['read', 'write', 'mmap', 'mmap2'], action: 'SCMP_ACT_ALLOW' },
    { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2 ** 32 + 1, op: 'SCMP_CMP_EQ' }] },
  ],
};

/** Rules that can match the same call with different actions: libseccomp's order decides, not the profile's. */
const OVERLAPPING: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ERRNO',
  architectures: X86_FAMILY,
  syscalls: [
    { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    { names: ['getpid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 2, op: 'SCMP_CMP_EQ' }] },
    { names: ['getppid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 5, op: 'SCMP_CMP_GT' }] },
    { names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 6, args: [{ index: 0, value: 7, op: 'SCMP_CMP_EQ' }] },
    { names: ['getppid'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 100, op: 'SCMP_CMP_LT' }] },
    { names: ['getppid'], action: 'SCMP_ACT_TRAP', args: [{ index: 0, value: 50, op: 'SCMP_CMP_LT' }] },
    { names: ['gettid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 2 ** 33, op: 'SCMP_CMP_GE' }] },
    { names: ['gettid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 2 ** 34, op: 'SCMP_CMP_GE' }] }, // LOG here: libseccomp refuses (EEXIST)
    { names: ['gettid'], action: 'SCMP_ACT_TRAP', args: [{ index: 1, value: 0xff, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }] },
  ],
};

// ---- tests ----------------------------------------------------------------------------

describe('seccomp compiler vs libseccomp (same verdict for every input)', { skip }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsrun-seccomp-'));
    exporter = join(work, 'libseccomp-export');
    execFileSync('gcc', ['-O1', '-Wall', '-o', exporter, join(here, 'test', 'libseccomp-export.c'), '-lseccomp']);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("docker's default profile", (t) => {
    const profile = JSON.parse(readFileSync(DOCKER, 'utf8')).linux.seccomp as LinuxSeccomp;
    const { profile: p, dropped } = comparable(profile);
    if (dropped.length) t.diagnostic(`names left out (libseccomp 2.5's table and this machine's headers disagree): ${dropped.join(' ')}`);
    const { checked, ours, theirs } = compare('docker', p);
    const full = decodeProgram(compileSeccompFor(profile, 'docker', { host: 'x86_64' }).program);
    const dispatch = Math.max(
      ...[AUDIT_ARCH_X86_64, AUDIT_ARCH_I386].flatMap((arch) =>
        Array.from({ length: 500 }, (_, nr) => runBpf(full, { arch, nr }).steps).concat(
          Array.from({ length: 600 }, (_, nr) => runBpf(full, { arch, nr: 0x40000000 + nr }).steps))),
    );
    t.diagnostic(
      `docker profile: ours ${full.length} instructions (max depth ${maxDepth(full)}, max steps over syscall numbers with zero args ${dispatch}); ` +
        `libseccomp ${theirs.length} instructions (max depth ${maxDepth(theirs)}); ${checked} inputs compared`,
    );
    console.log(`# seccomp docker profile: ${full.length} instructions, max depth ${maxDepth(full)}, at most ${dispatch} steps for any syscall number with zero args; libseccomp: ${theirs.length} instructions, max depth ${maxDepth(theirs)}`);
    assert.ok(ours.length > 0);
  });

  test("podman's profile", (t) => {
    const profile = JSON.parse(readFileSync(PODMAN, 'utf8')).linux.seccomp as LinuxSeccomp;
    const { profile: p, dropped } = comparable(profile);
    if (dropped.length) t.diagnostic(`names left out: ${dropped.join(' ')}`);
    t.diagnostic(`${compare('podman', p, 2).checked} inputs compared`);
  });

  // An aarch64 host with 32-bit ARM as its compat ABI (the ARM table comes from libseccomp; the
  // compiled sections are what this checks): libseccomp builds those sections on any host.
  const ARM_FAMILY = ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'] as LinuxSeccomp['architectures'];
  for (const [name, make] of [
    ["docker's default profile for aarch64 + arm", () => ({ ...(JSON.parse(readFileSync(DOCKER, 'utf8')).linux.seccomp as LinuxSeccomp), architectures: ARM_FAMILY })],
    ['64-bit operators on aarch64, low words only on arm', () => ({ ...EDGE_OPS, architectures: ARM_FAMILY })],
    ['mixed actions on aarch64 + arm (names only one of them has)', () => ({ ...EDGE_ACTIONS, architectures: ARM_FAMILY })],
  ] as const) {
    test(name, (t) => {
      const { profile, dropped } = comparable(make(), 'aarch64');
      if (dropped.length) t.diagnostic(`names left out: ${dropped.join(' ')}`);
      t.diagnostic(`${compare(name, profile, 4, 'aarch64').checked} inputs compared`);
    });
  }

  for (const [name, p] of [
    ['64-bit operators, MASKED_EQ, several conditions, OR on one argument', EDGE_OPS],
    ['mixed actions, errnoRet, defaultErrnoRet, unknown names, rule merging, i386 multiplexing', EDGE_ACTIONS],
    ['x86_64 only (no architectures listed)', X86_64_ONLY],
    ['x86_64 + x32', WITH_X32],
    ['x86 + x86_64, listed twice, 64-bit value on a 32-bit ABI', WITH_X86],
    ['overlapping rules with different actions (libseccomp order)', OVERLAPPING],
  ] as const) {
    test(name, (t) => {
      const { profile, dropped } = comparable(p);
      assert.deepEqual(dropped, []);
      t.diagnostic(`${compare(name, profile, 3).checked} inputs compared`);
    });
  }
});

