// Generates runtime/seccomp/tables/*.ts (syscall name -> number, per
// architecture) from the kernel UAPI headers of the machine it runs on.
// The generated tables are committed: they are data, and the runtime must
// not depend on headers being installed.
//
//   npx tsx scripts/gen-syscall-tables.ts [--include /usr/include]
//
// Sources:
//   x86_64  <asm/unistd_64.h>
//   x86     <asm/unistd_32.h>          (i386)
//   x32     <asm/unistd_x32.h>         numbers include __X32_SYSCALL_BIT
//   aarch64 <asm-generic/unistd.h>     evaluated with arm64's __ARCH_WANT_* set
//   arm     libseccomp's own table     there is no 32-bit ARM (EABI) header on
//                                      an x86_64 Debian, so libseccomp (libseccomp-dev)
//                                      resolves every name the other tables know, plus
//                                      ARM's private calls; needs gcc and -lseccomp.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argIdx = process.argv.indexOf('--include');
const include = argIdx > 0 ? process.argv[argIdx + 1]! : '/usr/include';
const outDir = join(root, 'runtime', 'seccomp', 'tables');

const X32_SYSCALL_BIT = 0x40000000;

function firstExisting(paths: string[]): string {
  for (const p of paths) if (existsSync(p)) return p;
  throw new Error(`none of ${paths.join(', ')} exists`);
}

function asmHeader(name: string): string {
  return firstExisting([join(include, 'x86_64-linux-gnu', 'asm', name), join(include, 'asm', name)]);
}

/** `#define __NR_name N` or `#define __NR_name (__X32_SYSCALL_BIT + N)`. */
function parseFlat(path: string): Map<string, number> {
  const table = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    let m = /^#define __NR_(\w+)\s+(\d+)\s*$/.exec(line);
    if (m) {
      table.set(m[1]!, Number(m[2]));
      continue;
    }
    m = /^#define __NR_(\w+)\s+\(__X32_SYSCALL_BIT \+ (\d+)\)\s*$/.exec(line);
    if (m) table.set(m[1]!, (X32_SYSCALL_BIT | Number(m[2])) >>> 0);
  }
  return table;
}

/**
 * asm-generic/unistd.h is written for the preprocessor: numbers sit inside
 * #if blocks keyed on __ARCH_WANT_* and __BITS_PER_LONG, and some names are
 * aliases of __NR3264_* numbers. A tiny evaluator for exactly the forms that
 * header uses is enough.
 */
function parseGeneric(path: string, defined: Set<string>, bitsPerLong: number): Map<string, number> {
  const values = new Map<string, number>();
  const stack: { active: boolean; taken: boolean; parentActive: boolean }[] = [];
  const active = () => stack.every((s) => s.active);
  const evalCond = (expr: string): boolean => {
    const js = expr
      .replace(/\/\*.*?\*\//g, '')
      .replace(/defined\s*\(\s*(\w+)\s*\)/g, (_m, n: string) => (defined.has(n) ? '1' : '0'))
      .replace(/__BITS_PER_LONG/g, String(bitsPerLong))
      .trim();
    if (!/^[\d\s|&=!()<>]+$/.test(js)) throw new Error(`cannot evaluate #if ${expr}`);
    return Boolean(new Function(`return (${js});`)());
  };
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^#ifdef\s+(\w+)/.exec(line))) {
      const v = defined.has(m[1]!);
      stack.push({ active: v, taken: v, parentActive: active() });
    } else if ((m = /^#ifndef\s+(\w+)/.exec(line))) {
      const v = !defined.has(m[1]!);
      stack.push({ active: v, taken: v, parentActive: active() });
    } else if ((m = /^#if\s+(.*)$/.exec(line))) {
      const v = evalCond(m[1]!);
      stack.push({ active: v, taken: v, parentActive: active() });
    } else if (/^#else/.test(line)) {
      const top = stack[stack.length - 1]!;
      top.active = !top.taken;
      top.taken = true;
    } else if (/^#endif/.test(line)) {
      stack.pop();
    } else if (active() && (m = /^#define\s+(__NR3264_\w+|__NR_\w+)\s+(\w+)\s*$/.exec(line))) {
      const [, name, value] = m;
      const n = /^\d+$/.test(value!) ? Number(value) : values.get(value!);
      if (n !== undefined) values.set(name!, n);
    } else if (active() && (m = /^#define\s+(\w+)\s*$/.exec(line))) {
      defined.add(m[1]!);
    }
  }
  const table = new Map<string, number>();
  for (const [name, n] of values) {
    if (!name.startsWith('__NR_')) continue;
    const short = name.slice('__NR_'.length);
    if (short === 'syscalls' || short === 'arch_specific_syscall') continue;
    table.set(short, n);
  }
  return table;
}

function emit(file: string, constName: string, source: string, table: Map<string, number>): void {
  const entries = [...table].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const body = entries.map(([n, v]) => `  ${n}: ${v >= X32_SYSCALL_BIT ? `0x${v.toString(16)}` : v},`).join('\n');
  const text =
    `// GENERATED by scripts/gen-syscall-tables.ts from ${source}; do not edit.\n` +
    `// ${entries.length} system calls.\n\n` +
    `export const ${constName}: Readonly<Record<string, number>> = Object.freeze({\n${body}\n});\n`;
  writeFileSync(join(outDir, file), text);
  console.log(`wrote runtime/seccomp/tables/${file} (${entries.length} syscalls from ${source})`);
}

mkdirSync(outDir, { recursive: true });
const h64 = asmHeader('unistd_64.h');
const h32 = asmHeader('unistd_32.h');
const hx32 = asmHeader('unistd_x32.h');
const hgen = join(include, 'asm-generic', 'unistd.h');
emit('x86_64.ts', 'X86_64_SYSCALLS', h64.replace(include, '<include>'), parseFlat(h64));
emit('x86.ts', 'X86_SYSCALLS', h32.replace(include, '<include>'), parseFlat(h32));
emit('x32.ts', 'X32_SYSCALLS', hx32.replace(include, '<include>'), parseFlat(hx32));
// arch/arm64/include/uapi/asm/unistd.h defines these before including the
// generic header.
const arm64Wants = [
  '__ARCH_WANT_RENAMEAT',
  '__ARCH_WANT_NEW_STAT',
  '__ARCH_WANT_SET_GET_RLIMIT',
  '__ARCH_WANT_TIME32_SYSCALLS',
  '__ARCH_WANT_SYS_CLONE3',
  '__ARCH_WANT_MEMFD_SECRET',
  '__SYSCALL', // the header defines it empty when unset; irrelevant for numbers
];
emit('aarch64.ts', 'AARCH64_SYSCALLS', hgen.replace(include, '<include>'), parseGeneric(hgen, new Set(arm64Wants), 64));

// 32-bit ARM (EABI), the compat ABI of aarch64 hosts: the names of every other table plus ARM's
// own (arm_fadvise64_64 ..., and the private calls at __ARM_NR_BASE 0x0f0000), numbered by libseccomp.
const armNames = new Set<string>([
  ...parseFlat(h64).keys(), ...parseFlat(h32).keys(), ...parseGeneric(hgen, new Set(arm64Wants), 64).keys(),
  'arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'usr26', 'usr32', 'set_tls', 'get_tls',
]);
const work = mkdtempSync(join(tmpdir(), 'gen-arm-'));
try {
  const exporter = join(work, 'libseccomp-export');
  execFileSync('gcc', ['-O1', '-o', exporter, join(root, 'runtime/seccomp/test/libseccomp-export.c'), '-lseccomp']);
  const out = execFileSync(exporter, ['resolve', 'SCMP_ARCH_ARM'], { input: [...armNames].join('\n') + '\n' }).toString();
  const arm = new Map<string, number>();
  for (const line of out.trim().split('\n')) {
    const [name, , nr] = line.split(' ');
    if (Number(nr) >= 0) arm.set(name!, Number(nr)); // negative: unknown on ARM, or a libseccomp pseudo number
  }
  emit('arm.ts', 'ARM_SYSCALLS', "libseccomp's SCMP_ARCH_ARM table (seccomp_syscall_resolve_name_arch)", arm);
} finally {
  rmSync(work, { recursive: true, force: true });
}
