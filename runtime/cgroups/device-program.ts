import type { LinuxResources } from '../../spec/types.ts';
import { DEFAULT_ALLOWED_DEVICES } from './device-rules.ts';

type DeviceRule = NonNullable<LinuxResources['devices']>[number];

/**
 * The OCI device rules as an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, which is what
 * cgroup v2 has instead of devices.allow/deny. The kernel runs it on every open and mknod of a
 * device node in the cgroup with a bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor }
 * (access_type = access << 16 | type) and allows the access when it returns 1.
 *
 * Semantics (runc's): rules apply in the config's order, then runc's default allow list, so the
 * last matching rule wins; a rule for every device ("a", any major/minor, rwm) resets the default
 * (docker's list starts with a deny-all, making it an allow list) and drops the rules before it.
 * A deny rule matches a request that wants any access it denies; an allow rule matches only when
 * it grants every access requested. The program tests the rules last to first and returns the
 * verdict of the first that matches, else the default.
 */
export function deviceProgram(rules: readonly DeviceRule[]): Buffer {
  let defaultAllow = true;
  let exceptions: DeviceRule[] = [];
  for (const r of [...rules, ...DEFAULT_ALLOWED_DEVICES]) {
    if (isAllDevices(r)) {
      defaultAllow = r.allow;
      exceptions = [];
    } else {
      exceptions.push(r);
    }
  }
  const insns: Insn[] = [
    // r2 = device type, r3 = requested access, r4 = major, r5 = minor
    ldxw(R2, R1, 0),
    alu32Imm(BPF_AND, R2, 0xffff),
    ldxw(R3, R1, 0),
    alu32Imm(BPF_RSH, R3, 16),
    ldxw(R4, R1, 4),
    ldxw(R5, R1, 8),
  ];
  for (const rule of [...exceptions].reverse()) insns.push(...ruleBlock(rule));
  insns.push(movImm(R0, defaultAllow ? 1 : 0), exit());
  return encode(insns);
}

/** Whether the rules ask for device control at all (none: no program, as no v1 rules are written). */
export function wantsDeviceProgram(rules: readonly DeviceRule[] | undefined): rules is DeviceRule[] {
  return rules !== undefined && rules.length > 0;
}

const ACCESS: Record<string, number> = { m: 1, r: 2, w: 4 }; // BPF_DEVCG_ACC_MKNOD, _READ, _WRITE
const TYPE: Record<string, number> = { b: 1, c: 2 }; // BPF_DEVCG_DEV_BLOCK, _CHAR

function accessBits(access: string | undefined): number {
  let bits = 0;
  for (const ch of access ?? 'rwm') bits |= ACCESS[ch] ?? 0;
  return bits;
}

const wildcard = (n: number | null | undefined) => n === undefined || n === null || n < 0;

function isAllDevices(r: DeviceRule): boolean {
  return (r.type === undefined || r.type === 'a') && wildcard(r.major) && wildcard(r.minor) && accessBits(r.access) === 7;
}

/** One rule: tests that jump past the block on mismatch, then "return verdict". */
function ruleBlock(r: DeviceRule): Insn[] {
  const tests: { make: (off: number) => Insn[] }[] = [];
  const type = r.type && r.type !== 'a' ? TYPE[r.type] : undefined;
  if (type !== undefined) tests.push({ make: (off) => [jmpImm(BPF_JNE, R2, type, off)] });
  const bits = accessBits(r.access);
  if (r.allow && bits !== 7) {
    // allow only if (requested & ~granted) == 0
    tests.push({ make: (off) => [movReg(R1, R3), alu32Imm(BPF_AND, R1, ~bits & 7), jmpImm(BPF_JNE, R1, 0, off)] });
  } else if (!r.allow && bits !== 7) {
    // deny if (requested & denied) != 0
    tests.push({ make: (off) => [movReg(R1, R3), alu32Imm(BPF_AND, R1, bits), jmpImm(BPF_JEQ, R1, 0, off)] });
  }
  if (!wildcard(r.major)) tests.push({ make: (off) => [jmpImm(BPF_JNE, R4, r.major!, off)] });
  if (!wildcard(r.minor)) tests.push({ make: (off) => [jmpImm(BPF_JNE, R5, r.minor!, off)] });
  // Each test's jump goes to the end of the block; its offset counts the instructions after it.
  const sizes = tests.map((t) => t.make(0).length);
  const tail = 2; // mov r0, verdict; exit
  const out: Insn[] = [];
  tests.forEach((t, i) => {
    const after = sizes.slice(i + 1).reduce((a, b) => a + b, 0) + tail;
    out.push(...t.make(after));
  });
  out.push(movImm(R0, r.allow ? 1 : 0), exit());
  return out;
}

// ---- the few eBPF instructions used (linux/bpf.h, linux/bpf_common.h) ----

interface Insn { code: number; dst: number; src: number; off: number; imm: number }
const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;
const BPF_LDX = 0x01, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_ALU64 = 0x07;
const BPF_W = 0x00, BPF_MEM = 0x60, BPF_K = 0x00, BPF_X = 0x08;
const BPF_AND = 0x50, BPF_RSH = 0x70, BPF_MOV = 0xb0;
const BPF_JEQ = 0x10, BPF_JNE = 0x50, BPF_EXIT = 0x90;

const ldxw = (dst: number, src: number, off: number): Insn => ({ code: BPF_LDX | BPF_MEM | BPF_W, dst, src, off, imm: 0 });
const alu32Imm = (op: number, dst: number, imm: number): Insn => ({ code: BPF_ALU | op | BPF_K, dst, src: 0, off: 0, imm });
const movImm = (dst: number, imm: number): Insn => ({ code: BPF_ALU64 | BPF_MOV | BPF_K, dst, src: 0, off: 0, imm });
const movReg = (dst: number, src: number): Insn => ({ code: BPF_ALU64 | BPF_MOV | BPF_X, dst, src, off: 0, imm: 0 });
const jmpImm = (op: number, dst: number, imm: number, off: number): Insn => ({ code: BPF_JMP | op | BPF_K, dst, src: 0, off, imm });
const exit = (): Insn => ({ code: BPF_JMP | BPF_EXIT, dst: 0, src: 0, off: 0, imm: 0 });

function encode(insns: Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((i, n) => {
    buf.writeUInt8(i.code, n * 8);
    buf.writeUInt8((i.src << 4) | i.dst, n * 8 + 1);
    buf.writeInt16LE(i.off, n * 8 + 2);
    buf.writeInt32LE(i.imm | 0, n * 8 + 4);
  });
  return buf;
}
