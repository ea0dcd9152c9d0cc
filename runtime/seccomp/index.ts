// Compiles an OCI linux.seccomp profile into a classic BPF program for
// seccomp(SECCOMP_SET_MODE_FILTER), with libseccomp's semantics as runc
// drives it (runc/libcontainer/seccomp/seccomp_linux.go). Layout and the
// differences from libseccomp: README.md next to this file.

import type { LinuxSeccomp } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import {
  ARCHES, HOST_FAMILIES, IPC_SUBCALLS, SOCKETCALL_SUBCALLS, X32_SYSCALL_BIT, hostArch,
  type ArchDef, type ArchName, type HostArch,
} from './arch.ts';
import {
  Assembler, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_MAXINSNS, Label, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR, argWordOffset,
  encodeProgram, type SockFilter,
} from './bpf.ts';

export interface CompiledSeccomp {
  program: Buffer;
  instructions: number;
  flags: number;
  notify: boolean;
  listenerPath?: string;
  listenerMetadata?: string;
}

// ---- actions (linux/seccomp.h SECCOMP_RET_*) ---------------------------------
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

const ACTIONS: Readonly<Record<string, number>> = {
  SCMP_ACT_KILL: SECCOMP_RET_KILL_THREAD,
  SCMP_ACT_KILL_THREAD: SECCOMP_RET_KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: SECCOMP_RET_KILL_PROCESS,
  SCMP_ACT_TRAP: SECCOMP_RET_TRAP,
  SCMP_ACT_ERRNO: SECCOMP_RET_ERRNO,
  SCMP_ACT_TRACE: SECCOMP_RET_TRACE,
  SCMP_ACT_ALLOW: SECCOMP_RET_ALLOW,
  SCMP_ACT_LOG: SECCOMP_RET_LOG,
  SCMP_ACT_NOTIFY: SECCOMP_RET_USER_NOTIF,
};

/**
 * libseccomp's seccomp_init() leaves the filter's "bad architecture" action at
 * SCMP_ACT_KILL (= KILL_THREAD) and runc never changes it (no
 * SetBadArchAction call), so a syscall from an ABI the profile does not list
 * kills the thread.
 */
export const BAD_ARCH_ACTION = SECCOMP_RET_KILL_THREAD;

/** runc: SCMP_ACT_ERRNO / SCMP_ACT_TRACE without errnoRet return EPERM. */
const EPERM = 1;

// ---- flags (linux/seccomp.h SECCOMP_FILTER_FLAG_*) ---------------------------
export const SECCOMP_FILTER_FLAG_TSYNC = 1;
export const SECCOMP_FILTER_FLAG_LOG = 2;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 32;

const FLAGS: Readonly<Record<string, number>> = {
  // runc accepts TSYNC and does nothing with it (libseccomp-golang
  // synchronises threads itself); the process that loads our filter is
  // single-threaded, and TSYNC together with NEW_LISTENER is refused by
  // kernels without TSYNC_ESRCH, so the bit is not passed on.
  SECCOMP_FILTER_FLAG_TSYNC: 0,
  SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

// ---- comparisons ----------------------------------------------------------------
type Op = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';
const OPS: ReadonlySet<string> = new Set<Op>([
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
]);

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffffffffn;

/** One condition on one argument: (arg & mask) <op> datum, datum already masked. */
interface Cond {
  index: number;
  op: Op;
  mask: bigint;
  datum: bigint;
}

interface Rule {
  name: string;
  action: number;
  conds: Cond[];
}

/** The rules of one syscall number in one ABI, after libseccomp's merging. */
interface Entry {
  arch: ArchDef;
  /** Set by the first rule without (effective) conditions; it then decides alone. */
  unconditional?: number;
  /** Conditional rules, in libseccomp's order (insertRule): the first whose conditions all hold decides. */
  rules: { action: number; conds: Cond[] }[];
}

/** One dispatch target of seccomp_data.arch: one ABI, or x86_64 and x32 together. */
interface Section {
  audit: number;
  arches: ArchDef[];
  entries: Map<number, Entry>;
}

export interface CompileOptions {
  /** The host's architecture; defaults to this machine's. */
  host?: HostArch;
}

export function compileSeccomp(profile: LinuxSeccomp, source: string): CompiledSeccomp {
  return compileSeccompFor(profile, source, {});
}

export function compileSeccompFor(profile: LinuxSeccomp, source: string, options: CompileOptions): CompiledSeccomp {
  const fail = (path: string, message: string): never => {
    throw new TsrunError(`${source}: linux.seccomp${path}: ${message}`);
  };
  const host = options.host ?? hostArch();
  if (host === undefined) fail('', `seccomp filters are not supported on this host architecture (${process.arch})`);
  const family = HOST_FAMILIES[host!];

  // -- default action
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet, '.defaultAction', '.defaultErrnoRet', fail);
  if (profile.defaultAction === 'SCMP_ACT_NOTIFY') fail('.defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action');

  // -- flags. runc: no "flags" at all means SPEC_ALLOW (when the kernel has
  // it); an empty list means none.
  let flags = 0;
  if (profile.flags === undefined) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  else {
    profile.flags.forEach((f, i) => {
      const bit = FLAGS[f as string];
      if (bit === undefined) fail(`.flags[${i}]`, `unknown flag ${JSON.stringify(f)}`);
      flags |= bit!;
    });
  }

  // -- architectures: the native one always (libseccomp's seccomp_init adds
  // it), then the listed ones in order, duplicates ignored (libseccomp-golang
  // treats EEXIST as success). An ABI this host's kernel cannot run never
  // appears in seccomp_data.arch, so its section would be dead code: it is
  // accepted and left out.
  const arches: ArchDef[] = [ARCHES[family[0]!]];
  (profile.architectures ?? []).forEach((a, i) => {
    const name = a as string;
    if (!/^SCMP_ARCH_[A-Z0-9_]+$/.test(name) || !KNOWN_ARCHES.has(name)) {
      fail(`.architectures[${i}]`, `unknown architecture ${JSON.stringify(name)}`);
    }
    if (!family.includes(name as ArchName)) return;
    const def = ARCHES[name as ArchName];
    if (!arches.includes(def)) arches.push(def);
  });

  // -- rules, expanded as runc does: one rule per name; the action equal to
  // the default action makes the rule redundant (skipped); two conditions on
  // the same argument turn into separate one-condition rules (OR).
  const rules: Rule[] = [];
  let notify = false;
  (profile.syscalls ?? []).forEach((sc, i) => {
    const at = `.syscalls[${i}]`;
    const action = actionValue(sc.action, sc.errnoRet, `${at}.action`, `${at}.errnoRet`, fail);
    if (sc.action === 'SCMP_ACT_NOTIFY') notify = true;
    const conds = (sc.args ?? []).map((arg, j) => parseCond(arg, `${at}.args[${j}]`, fail));
    const perIndex = new Map<number, number>();
    for (const c of conds) perIndex.set(c.index, (perIndex.get(c.index) ?? 0) + 1);
    const split = [...perIndex.values()].some((n) => n > 1);
    (sc.names ?? []).forEach((name, j) => {
      if (typeof name !== 'string' || name === '') fail(`${at}.names[${j}]`, 'a syscall name must not be empty');
      if (sc.action === 'SCMP_ACT_NOTIFY' && name === 'write') {
        fail(`${at}.names[${j}]`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall');
      }
      if (action === defaultAction) return;
      if (split) for (const c of conds) rules.push({ name, action, conds: [c] });
      else rules.push({ name, action, conds });
    });
  });
  if (notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if (!profile.listenerPath) fail('.listenerPath', 'required when a rule uses SCMP_ACT_NOTIFY');
  }
  if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
    fail('.flags', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)');
  }

  // -- per-ABI tables of rules
  const sections: Section[] = [];
  for (const arch of arches) {
    let section = sections.find((s) => s.audit === arch.audit);
    if (!section) {
      section = { audit: arch.audit, arches: [], entries: new Map() };
      sections.push(section);
    }
    section.arches.push(arch);
    for (const rule of rules) addRule(section, arch, rule);
  }

  // -- code
  const asm = new Assembler();
  const sectionLabels = sections.map((s) => new Label(`arch 0x${s.audit.toString(16)}`));
  asm.ld(SECCOMP_DATA_ARCH);
  sections.forEach((s, i) => {
    const next = new Label();
    asm.jmp(BPF_JEQ, s.audit, sectionLabels[i]!, next);
    asm.bind(next);
  });
  asm.ret(BAD_ARCH_ACTION);
  sections.forEach((s, i) => emitSection(asm, s, sectionLabels[i]!, defaultAction));
  const insns = asm.layout();
  if (insns.length > BPF_MAXINSNS) {
    fail('', `the filter needs ${insns.length} BPF instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
  }

  const out: CompiledSeccomp = { program: encodeProgram(insns), instructions: insns.length, flags, notify };
  if (profile.listenerPath !== undefined) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata !== undefined) out.listenerMetadata = profile.listenerMetadata;
  return out;
}

const KNOWN_ARCHES = new Set([
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
]);

type Fail = (path: string, message: string) => never;

function actionValue(name: unknown, errnoRet: unknown, path: string, errnoPath: string, fail: Fail): number {
  const base = typeof name === 'string' ? ACTIONS[name] : undefined;
  if (base === undefined) return fail(path, `unknown action ${JSON.stringify(name)}`);
  if (base !== SECCOMP_RET_ERRNO && base !== SECCOMP_RET_TRACE) return base; // runc ignores errnoRet here
  let data = EPERM;
  if (errnoRet !== undefined && errnoRet !== null) {
    if (typeof errnoRet !== 'number' || !Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > 0xffff) {
      return fail(errnoPath, `must be an integer 0..65535 (SECCOMP_RET_DATA is 16 bits), not ${JSON.stringify(errnoRet)}`);
    }
    data = errnoRet;
  }
  return (base | data) >>> 0;
}

function toU64(v: unknown, path: string, fail: Fail): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > U64_MAX) fail(path, `must be 0..18446744073709551615, not ${v}`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    return fail(path, `must be an integer 0..18446744073709551615, not ${JSON.stringify(v)}`);
  }
  // JSON.parse rounds integers above 2^53; 18446744073709551615 (a common
  // "all bits" value) arrives as 2^64 exactly. Every uint64 that rounds to
  // 2^64 is within 2048 of the top, and the only one a profile plausibly
  // means is the top itself.
  if (v === 2 ** 64) return U64_MAX;
  if (v > 2 ** 64) return fail(path, `must be 0..18446744073709551615, not ${v}`);
  return BigInt(v);
}

function parseCond(arg: unknown, path: string, fail: Fail): Cond {
  const a = arg as { index?: unknown; value?: unknown; valueTwo?: unknown; op?: unknown };
  if (typeof a.index !== 'number' || !Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
    fail(`${path}.index`, `must be 0..5, not ${JSON.stringify(a.index)}`);
  }
  if (typeof a.op !== 'string' || !OPS.has(a.op)) fail(`${path}.op`, `unknown operator ${JSON.stringify(a.op)}`);
  const value = toU64(a.value, `${path}.value`, fail);
  const valueTwo = a.valueTwo === undefined ? 0n : toU64(a.valueTwo, `${path}.valueTwo`, fail);
  const op = a.op as Op;
  // libseccomp: MASKED_EQ takes the mask from value and the datum from
  // valueTwo, and masks the datum ((arg & value) == (valueTwo & value)).
  if (op === 'SCMP_CMP_MASKED_EQ') return { index: a.index as number, op, mask: value, datum: valueTwo & value };
  return { index: a.index as number, op, mask: U64_MAX, datum: value };
}

/** The syscall numbers a name stands for in one ABI, with a first-argument
 * condition for the multiplexed calls (i386 socketcall/ipc), as libseccomp's
 * abi_rule_add does. */
function resolve(arch: ArchDef, name: string): { nr: number; subcall?: number }[] {
  const out: { nr: number; subcall?: number }[] = [];
  const direct = Object.hasOwn(arch.table, name) ? arch.table[name] : undefined;
  const sock = arch.socketcall !== undefined ? SOCKETCALL_SUBCALLS[name] : undefined;
  const ipc = arch.ipc !== undefined ? IPC_SUBCALLS[name] : undefined;
  if (sock !== undefined) out.push({ nr: arch.socketcall!, subcall: sock });
  else if (ipc !== undefined) out.push({ nr: arch.ipc!, subcall: ipc });
  if (direct !== undefined) out.push({ nr: direct });
  return out;
}

/** The conditions one ABI actually tests: 32-bit ABIs compare the low words
 * only; a MASKED_EQ whose (visible) mask is 0 always holds and is dropped. */
function effectiveConds(arch: ArchDef, conds: Cond[]): Cond[] {
  const out: Cond[] = [];
  for (const c of conds) {
    const width = arch.bits === 32 ? U32_MAX : U64_MAX;
    const e = { index: c.index, op: c.op, mask: c.mask & width, datum: c.datum & width };
    if (e.op === 'SCMP_CMP_MASKED_EQ' && e.mask === 0n) continue;
    out.push(e);
  }
  return out;
}

/**
 * libseccomp's merging (db.c, _db_rule_add): a rule without conditions
 * replaces whatever conditional rules the syscall had and afterwards nothing
 * more is added to that syscall (the first unconditional rule wins);
 * conditional rules accumulate.
 */
function addRule(section: Section, arch: ArchDef, rule: Rule): void {
  for (const { nr, subcall } of resolve(arch, rule.name)) {
    let conds = rule.conds;
    if (subcall !== undefined) {
      // libseccomp overwrites any condition on argument 0 with the subcall test
      // and keeps the others (they then apply to socketcall's/ipc's own args).
      conds = [
        { index: 0, op: 'SCMP_CMP_EQ', mask: U64_MAX, datum: BigInt(subcall) },
        ...conds.filter((c) => c.index !== 0),
      ];
    }
    const eff = effectiveConds(arch, conds);
    let entry = section.entries.get(nr);
    if (!entry) {
      entry = { arch, rules: [] };
      section.entries.set(nr, entry);
    }
    if (entry.unconditional !== undefined) continue;
    if (eff.length === 0) {
      entry.unconditional = rule.action;
      entry.rules = [];
    } else insertRule(entry, arch, { action: rule.action, conds: eff });
  }
}

const OP_PRIORITY: Readonly<Record<Op, number>> = {
  SCMP_CMP_MASKED_EQ: 3, SCMP_CMP_EQ: 3, SCMP_CMP_NE: 3, SCMP_CMP_LE: 2, SCMP_CMP_LT: 2, SCMP_CMP_GE: 1, SCMP_CMP_GT: 1,
};

/**
 * Where a conditional rule goes among the syscall's others. libseccomp does
 * not keep profile order: it files each rule's first test (the lowest
 * argument index; on 64-bit ABIs its high word) into a level sorted by
 * argument index (higher first), then operator (EQ/NE/MASKED_EQ before
 * LT/LE before GT/GE), then value (larger first; for LT/LE smaller first),
 * a new rule going after the ones it ties with, and evaluates that level in
 * order. When rules with different actions can match the same call, the
 * earlier one in that order decides; we reproduce the order of the first
 * tests (see README.md for what remains different).
 */
function insertRule(entry: Entry, arch: ArchDef, rule: { action: number; conds: Cond[] }): void {
  interface Node { arg: number; op: Op; nodeOp: string; datum: number; mask: number }
  // The nodes libseccomp builds for a rule, in chain order (db.c _db_rule_gen_64/_32).
  const nodes = (r: { conds: Cond[] }): Node[] => {
    const out: Node[] = [];
    for (const c of [...r.conds].sort((a, b) => a.index - b.index)) {
      const cmpOp = c.op === 'SCMP_CMP_MASKED_EQ' ? 'MASKED_EQ' : c.op === 'SCMP_CMP_EQ' || c.op === 'SCMP_CMP_NE' ? 'EQ' : 'GT';
      const lo = Number(c.datum & U32_MAX);
      const mlo = Number(c.mask & U32_MAX);
      if (arch.bits === 64) {
        out.push({ arg: c.index * 2 + 1, op: c.op, nodeOp: cmpOp, datum: Number(c.datum >> 32n), mask: Number(c.mask >> 32n) });
        const loOp = c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_LE' ? 'GT' : c.op === 'SCMP_CMP_GE' || c.op === 'SCMP_CMP_LT' ? 'GE' : cmpOp;
        out.push({ arg: c.index * 2, op: c.op, nodeOp: loOp, datum: lo, mask: mlo });
      } else {
        out.push({ arg: c.index * 2, op: c.op, nodeOp: c.op, datum: lo, mask: mlo });
      }
    }
    return out;
  };
  const eq = (a: Node, b: Node) => a.arg === b.arg && a.nodeOp === b.nodeOp && a.datum === b.datum && a.mask === b.mask;
  const lt = (a: Node, b: Node): boolean => {
    if (a.arg !== b.arg) return a.arg < b.arg;
    if (OP_PRIORITY[a.op] !== OP_PRIORITY[b.op]) return OP_PRIORITY[a.op] < OP_PRIORITY[b.op];
    return a.op === 'SCMP_CMP_LT' || a.op === 'SCMP_CMP_LE' ? a.datum > b.datum : a.datum < b.datum;
  };
  /** Whether `existing` sorts below `added`, i.e. `added` goes before it. */
  const before = (existing: Node[], added: Node[]): boolean => {
    for (let i = 0; i < Math.min(existing.length, added.length); i++) {
      if (eq(existing[i]!, added[i]!)) continue;
      return lt(existing[i]!, added[i]!);
    }
    return false;
  };
  const mine = nodes(rule);
  const at = entry.rules.findIndex((r) => before(nodes(r), mine));
  if (at < 0) entry.rules.push(rule);
  else entry.rules.splice(at, 0, rule);
}

// ---- code generation ---------------------------------------------------------------

type Handler = { kind: 'action'; value: number } | { kind: 'entry'; nr: number };

function handlerKey(h: Handler): string {
  return h.kind === 'action' ? `a${h.value}` : `e${h.nr}`;
}

/**
 * One section: A = nr, then a balanced binary search (JGE) over the intervals
 * of syscall numbers that share one outcome, then one block per syscall with
 * argument conditions, then the section's RET instructions (shared).
 */
function emitSection(asm: Assembler, section: Section, start: Label, defaultAction: number): void {
  const has = (name: ArchName) => section.arches.some((a) => a.name === name);
  // libseccomp's ABI filtering where x86_64 and x32 share AUDIT_ARCH_X86_64:
  // x86_64 alone sends nr >= __X32_SYSCALL_BIT to the bad-arch action, except
  // nr == -1 (a tracer skipping the call), which gets the default action; x32
  // alone sends nr < __X32_SYSCALL_BIT to the bad-arch action; with both, no
  // filtering.
  const onlyX86_64 = has('SCMP_ARCH_X86_64') && !has('SCMP_ARCH_X32');
  const onlyX32 = has('SCMP_ARCH_X32') && !has('SCMP_ARCH_X86_64');
  const base = (nr: number): number => {
    if (onlyX86_64 && nr >= X32_SYSCALL_BIT && nr !== 0xffffffff) return BAD_ARCH_ACTION;
    if (onlyX32 && nr < X32_SYSCALL_BIT) return BAD_ARCH_ACTION;
    return defaultAction;
  };
  const handlerAt = (nr: number): Handler => {
    const e = section.entries.get(nr);
    if (e && e.unconditional !== undefined) return { kind: 'action', value: e.unconditional };
    if (e && e.rules.length > 0) return { kind: 'entry', nr };
    return { kind: 'action', value: base(nr) };
  };

  // Interval boundaries: every syscall with rules starts one and ends one.
  const points = new Set<number>([0]);
  if (onlyX86_64 || onlyX32) points.add(X32_SYSCALL_BIT);
  if (onlyX86_64) points.add(0xffffffff);
  for (const nr of section.entries.keys()) {
    points.add(nr);
    if (nr + 1 <= 0xffffffff) points.add(nr + 1);
  }
  const starts = [...points].sort((a, b) => a - b);
  const intervals: { start: number; handler: Handler }[] = [];
  for (const s of starts) {
    const h = handlerAt(s);
    const last = intervals[intervals.length - 1];
    if (last && handlerKey(last.handler) === handlerKey(h)) continue;
    intervals.push({ start: s, handler: h });
  }

  const rets = new Map<number, Label>();
  const retLabel = (action: number): Label => {
    let l = rets.get(action);
    if (!l) rets.set(action, (l = new Label(`ret 0x${action.toString(16)}`)));
    return l;
  };
  const entryLabels = new Map<number, Label>();
  const leafLabel = (i: number): Label => {
    const h = intervals[i]!.handler;
    if (h.kind === 'action') return retLabel(h.value);
    let l = entryLabels.get(h.nr);
    if (!l) entryLabels.set(h.nr, (l = new Label(`nr ${h.nr}`)));
    return l;
  };
  const subtree = (lo: number, hi: number): Label => (lo === hi ? leafLabel(lo) : new Label());
  const emitNode = (lo: number, hi: number, self: Label): void => {
    asm.bind(self);
    const mid = (lo + hi + 1) >> 1;
    const f = subtree(lo, mid - 1);
    const t = subtree(mid, hi);
    asm.jmp(BPF_JGE, intervals[mid]!.start, t, f);
    if (mid - 1 > lo) emitNode(lo, mid - 1, f);
    if (hi > mid) emitNode(mid, hi, t);
  };

  asm.bind(start);
  if (intervals.length === 1) {
    const h = intervals[0]!.handler;
    if (h.kind === 'action') asm.ret(h.value);
    else asm.ja(leafLabel(0));
  } else {
    asm.ld(SECCOMP_DATA_NR);
    emitNode(0, intervals.length - 1, new Label('tree'));
  }

  // Blocks for syscalls with conditions: rules in order, first match decides.
  for (const [nr, label] of entryLabels) {
    const entry = section.entries.get(nr)!;
    asm.bind(label);
    entry.rules.forEach((rule, ri) => {
      const nextRule = ri === entry.rules.length - 1 ? retLabel(defaultAction) : new Label();
      rule.conds.forEach((c, ci) => {
        const pass = ci === rule.conds.length - 1 ? retLabel(rule.action) : new Label();
        emitCond(asm, entry.arch.bits, c, pass, nextRule);
        if (ci < rule.conds.length - 1) asm.bind(pass);
      });
      if (ri < entry.rules.length - 1) asm.bind(nextRule);
    });
  }

  for (const [action, label] of rets) {
    asm.bind(label);
    asm.ret(action);
  }
}

/** Jumps to `pass` when the condition holds, to `fail` otherwise. */
function emitCond(asm: Assembler, bits: 32 | 64, c: Cond, pass: Label, fail: Label): void {
  const hi = Number(c.datum >> 32n);
  const lo = Number(c.datum & U32_MAX);
  const mhi = Number(c.mask >> 32n);
  const mlo = Number(c.mask & U32_MAX);
  const ldLo = () => asm.ld(argWordOffset(c.index, false));
  const ldHi = () => asm.ld(argWordOffset(c.index, true));

  if (c.op === 'SCMP_CMP_MASKED_EQ') {
    const needHi = bits === 64 && mhi !== 0;
    const needLo = mlo !== 0;
    if (needHi) {
      const next = needLo ? new Label() : pass;
      ldHi();
      if (mhi !== 0xffffffff) asm.and(mhi);
      asm.jmp(BPF_JEQ, hi, next, fail);
      if (needLo) asm.bind(next);
    }
    if (needLo) {
      ldLo();
      if (mlo !== 0xffffffff) asm.and(mlo);
      asm.jmp(BPF_JEQ, lo, pass, fail);
    }
    return;
  }

  if (bits === 32) {
    ldLo();
    switch (c.op) {
      case 'SCMP_CMP_EQ': return asm.jmp(BPF_JEQ, lo, pass, fail);
      case 'SCMP_CMP_NE': return asm.jmp(BPF_JEQ, lo, fail, pass);
      case 'SCMP_CMP_GT': return asm.jmp(BPF_JGT, lo, pass, fail);
      case 'SCMP_CMP_GE': return asm.jmp(BPF_JGE, lo, pass, fail);
      case 'SCMP_CMP_LT': return asm.jmp(BPF_JGE, lo, fail, pass);
      case 'SCMP_CMP_LE': return asm.jmp(BPF_JGT, lo, fail, pass);
    }
  }

  // 64 bits: decide on the high words, compare the low words only when the
  // high words are equal.
  const sameHi = new Label();
  const lowCmp = new Label();
  ldHi();
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      asm.jmp(BPF_JEQ, hi, lowCmp, fail);
      asm.bind(lowCmp);
      ldLo();
      return asm.jmp(BPF_JEQ, lo, pass, fail);
    case 'SCMP_CMP_NE':
      asm.jmp(BPF_JEQ, hi, lowCmp, pass);
      asm.bind(lowCmp);
      ldLo();
      return asm.jmp(BPF_JEQ, lo, fail, pass);
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      asm.jmp(BPF_JGT, hi, pass, sameHi);
      asm.bind(sameHi);
      asm.jmp(BPF_JEQ, hi, lowCmp, fail);
      asm.bind(lowCmp);
      ldLo();
      return asm.jmp(c.op === 'SCMP_CMP_GT' ? BPF_JGT : BPF_JGE, lo, pass, fail);
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      asm.jmp(BPF_JGT, hi, fail, sameHi);
      asm.bind(sameHi);
      asm.jmp(BPF_JEQ, hi, lowCmp, pass);
      asm.bind(lowCmp);
      ldLo();
      // LT: lo >= datum fails; LE: lo > datum fails.
      return asm.jmp(c.op === 'SCMP_CMP_LT' ? BPF_JGE : BPF_JGT, lo, fail, pass);
  }
}

// ---- statistics ----------------------------------------------------------------------

/** The longest path through a program (instructions executed, the RET included). */
export function maxDepth(insns: readonly SockFilter[]): number {
  const depth = new Array<number>(insns.length).fill(0);
  for (let i = insns.length - 1; i >= 0; i--) {
    const ins = insns[i]!;
    const cls = ins.code & 0x07;
    if (cls === 0x06) depth[i] = 1;
    else if (cls === 0x05) {
      if ((ins.code & 0xf0) === 0x00) depth[i] = 1 + depth[i + 1 + ins.k]!;
      else depth[i] = 1 + Math.max(depth[i + 1 + ins.jt]!, depth[i + 1 + ins.jf]!);
    } else depth[i] = 1 + depth[i + 1]!;
  }
  return depth[0] ?? 0;
}
