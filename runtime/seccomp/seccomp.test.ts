import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { LinuxSeccomp } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from './arch.ts';
import { Assembler, BPF_JEQ, Label, decodeProgram } from './bpf.ts';
import { runBpf } from './bpf-interpreter.ts';
import { compileSeccompFor, maxDepth } from './index.ts';

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const compile = (p: LinuxSeccomp) => compileSeccompFor(p, 'config.json', { host: 'x86_64' });
const run = (p: LinuxSeccomp, arch: number, nr: number, args: bigint[] = []) =>
  runBpf(decodeProgram(compile(p).program), { arch, nr, args }).action;

describe('seccomp compiler', () => {
  test('program layout: 8-byte little-endian sock_filter entries', () => {
    const c = compile({ defaultAction: 'SCMP_ACT_ALLOW' });
    assert.equal(c.program.length, c.instructions * 8);
    // first instruction: BPF_LD|BPF_W|BPF_ABS of seccomp_data.arch (offset 4)
    assert.deepEqual([...c.program.subarray(0, 8)], [0x20, 0, 0, 0, 4, 0, 0, 0]);
  });

  test('default action, bad architecture, rules', () => {
    const p: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }],
    };
    assert.equal(run(p, AUDIT_ARCH_X86_64, 39), ALLOW);
    assert.equal(run(p, AUDIT_ARCH_X86_64, 40), EPERM);
    assert.equal(run(p, AUDIT_ARCH_I386, 20), 0, 'i386 not listed: bad-arch action = KILL_THREAD');
    assert.equal(run(p, AUDIT_ARCH_AARCH64, 0), 0);
    assert.equal(run(p, AUDIT_ARCH_X86_64, 0x40000027), 0, 'x32 call without x32 listed: bad arch');
    assert.equal(run(p, AUDIT_ARCH_X86_64, 0xffffffff), EPERM, 'nr -1 (tracer skip): default');
  });

  test('errno values: errnoRet, defaultErrnoRet, EPERM when absent', () => {
    const p: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['getpid'], action: 'SCMP_ACT_ERRNO' },
        { names: ['getuid'], action: 'SCMP_ACT_TRACE', errnoRet: 9 },
        { names: ['getgid'], action: 'SCMP_ACT_ALLOW', errnoRet: 9 },
      ],
    };
    assert.equal(run(p, AUDIT_ARCH_X86_64, 39), 0x00050001);
    assert.equal(run(p, AUDIT_ARCH_X86_64, 102), 0x7ff00009);
    assert.equal(run(p, AUDIT_ARCH_X86_64, 104), ALLOW);
    assert.equal(run(p, AUDIT_ARCH_X86_64, 0), 0x00050026);
  });

  test('flags', () => {
    assert.equal(compile({ defaultAction: 'SCMP_ACT_ALLOW' }).flags, 4, 'no flags: SPEC_ALLOW, as runc');
    assert.equal(compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: [] }).flags, 0);
    assert.equal(compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_TSYNC'] }).flags, 2);
    const n = compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      listenerPath: '/run/agent.sock',
      listenerMetadata: 'hello',
      syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }],
    });
    assert.equal(n.flags, 8 | 32);
    assert.equal(n.notify, true);
    assert.equal(n.listenerPath, '/run/agent.sock');
    assert.equal(n.listenerMetadata, 'hello');
  });

  test('jumps farther than 255 go through JA trampolines', () => {
    const asm = new Assembler();
    const far = new Label('far');
    const near = new Label('near');
    asm.ld(0);
    asm.jmp(BPF_JEQ, 1, far, near);
    asm.bind(near);
    for (let i = 0; i < 300; i++) asm.ld(0);
    asm.ret(2);
    asm.bind(far);
    asm.ret(1);
    const prog = asm.layout();
    assert.equal(asm.trampolines, 1);
    assert.equal(runBpf(prog, { arch: 0, nr: 1 }).action, 1);
    assert.equal(runBpf(prog, { arch: 0, nr: 2 }).action, 2);
  });

  test('a big profile: many conditional syscalls, all reachable', () => {
    // ten syscalls with two 64-bit argument rules each
    const p: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read', 'write', 'openat', 'close', 'mmap', 'ioctl', 'clone', 'execve', 'kill', 'prctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['read', 'write', 'openat', 'close', 'mmap', 'ioctl', 'clone', 'execve', 'kill', 'prctl'], action: 'SCMP_ACT_LOG', args: [{ index: 1, value: 2 ** 40, op: 'SCMP_CMP_GT' }] },
      ],
    };
    const prog = decodeProgram(compile(p).program);
    for (const nr of [0, 1, 257, 3, 9, 16, 56, 59, 62, 157]) {
      assert.equal(runBpf(prog, { arch: AUDIT_ARCH_X86_64, nr, args: [1n] }).action, ALLOW, `nr ${nr}`);
      assert.equal(runBpf(prog, { arch: AUDIT_ARCH_X86_64, nr, args: [0n, 2n ** 41n] }).action, 0x7ffc0000, `nr ${nr}`);
      assert.equal(runBpf(prog, { arch: AUDIT_ARCH_X86_64, nr, args: [0n, 2n ** 40n] }).action, EPERM, `nr ${nr}`);
    }
    assert.ok(maxDepth(prog) < 40);
  });
});

describe('seccomp compiler: errors name the file and the JSON path', () => {
  const refuses = (p: unknown, message: string) => {
    assert.throws(() => compile(p as LinuxSeccomp), (e: unknown) => {
      assert.ok(e instanceof TsrunError);
      assert.equal(e.message, message);
      return true;
    });
  };

  test('unknown default action', () =>
    refuses({ defaultAction: 'SCMP_ACT_NOPE' }, 'config.json: linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"'));
  test('NOTIFY as default action', () =>
    refuses({ defaultAction: 'SCMP_ACT_NOTIFY' }, 'config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action'));
  test('unknown architecture', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'] }, 'config.json: linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"'));
  test('unknown flag', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_BOGUS'] }, 'config.json: linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_BOGUS"'));
  test('argument index', () =>
    refuses(
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW' }, { names: ['b'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }, { index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] },
      'config.json: linux.seccomp.syscalls[1].args[1].index: must be 0..5, not 6',
    ));
  test('unknown operator', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'SCMP_CMP_XX' }] }] }, 'config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_XX"'));
  test('negative value', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, 'config.json: linux.seccomp.syscalls[0].args[0].value: must be an integer 0..18446744073709551615, not -1'));
  test('unknown rule action', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'ALLOW' }] }, 'config.json: linux.seccomp.syscalls[0].action: unknown action "ALLOW"'));
  test('errnoRet too large', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }] }, 'config.json: linux.seccomp.syscalls[0].errnoRet: must be an integer 0..65535 (SECCOMP_RET_DATA is 16 bits), not 70000'));
  test('empty syscall name', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', ''], action: 'SCMP_ACT_ERRNO' }] }, 'config.json: linux.seccomp.syscalls[0].names[1]: a syscall name must not be empty'));
  test('NOTIFY on write', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }, 'config.json: linux.seccomp.syscalls[0].names[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall'));
  test('NOTIFY without listenerPath', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }, 'config.json: linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY'));
  test('WAIT_KILLABLE_RECV without NOTIFY', () =>
    refuses({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }, 'config.json: linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)'));
});
