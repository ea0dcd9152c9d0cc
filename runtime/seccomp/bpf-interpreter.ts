// A classic-BPF interpreter with the kernel's seccomp rules (forward jumps
// only, aligned 32-bit loads inside struct seccomp_data, 16 scratch words).
// Test support: it runs both our programs and libseccomp's over the same
// inputs.

import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET,
  BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_X, BPF_XOR, SECCOMP_DATA_SIZE, type SockFilter,
} from './bpf.ts';

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** Six 64-bit arguments (missing ones are 0). */
  args?: readonly bigint[];
}

export interface BpfResult {
  /** The filter's return value (SECCOMP_RET_*). */
  action: number;
  /** Instructions executed, the RET included. */
  steps: number;
}

export function seccompDataBuffer(d: SeccompData): Buffer {
  const buf = Buffer.alloc(SECCOMP_DATA_SIZE);
  buf.writeUInt32LE(d.nr >>> 0, 0);
  buf.writeUInt32LE(d.arch >>> 0, 4);
  buf.writeBigUInt64LE(BigInt.asUintN(64, d.instructionPointer ?? 0n), 8);
  for (let i = 0; i < 6; i++) buf.writeBigUInt64LE(BigInt.asUintN(64, d.args?.[i] ?? 0n), 16 + 8 * i);
  return buf;
}

export function runBpf(program: readonly SockFilter[], data: SeccompData | Buffer): BpfResult {
  const mem = Buffer.isBuffer(data) ? data : seccompDataBuffer(data);
  const scratch = new Uint32Array(16);
  let a = 0;
  let x = 0;
  let pc = 0;
  let steps = 0;
  const fail = (why: string): never => {
    throw new Error(`BPF: ${why} at instruction ${pc}`);
  };
  for (;;) {
    if (pc >= program.length) fail('ran off the end of the program');
    const ins = program[pc]!;
    steps++;
    const cls = ins.code & 0x07;
    const k = ins.k >>> 0;
    switch (cls) {
      case BPF_LD:
      case BPF_LDX: {
        const mode = ins.code & 0xe0;
        if ((ins.code & 0x18) !== 0) fail('only 32-bit loads are allowed');
        let v: number;
        if (mode === BPF_ABS && cls === BPF_LD) {
          if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) fail(`bad load offset ${k}`);
          v = mem.readUInt32LE(k);
        } else if (mode === BPF_IMM) v = k;
        else if (mode === BPF_MEM) {
          if (k > 15) fail('bad scratch index');
          v = scratch[k]!;
        } else if (mode === BPF_LEN) v = SECCOMP_DATA_SIZE;
        else return fail(`unsupported load mode 0x${ins.code.toString(16)}`);
        if (cls === BPF_LD) a = v;
        else x = v;
        pc++;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (k > 15) fail('bad scratch index');
        scratch[k] = cls === BPF_ST ? a : x;
        pc++;
        break;
      case BPF_ALU: {
        const src = ins.code & BPF_X ? x : k;
        switch (ins.code & 0xf0) {
          case BPF_ADD: a = (a + src) >>> 0; break;
          case BPF_SUB: a = (a - src) >>> 0; break;
          case BPF_MUL: a = Math.imul(a, src) >>> 0; break;
          case BPF_DIV: if (src === 0) return { action: 0, steps }; a = Math.floor(a / src) >>> 0; break;
          case BPF_MOD: if (src === 0) return { action: 0, steps }; a = (a % src) >>> 0; break;
          case BPF_OR: a = (a | src) >>> 0; break;
          case BPF_AND: a = (a & src) >>> 0; break;
          case BPF_XOR: a = (a ^ src) >>> 0; break;
          case BPF_LSH: a = src >= 32 ? 0 : (a << src) >>> 0; break;
          case BPF_RSH: a = src >= 32 ? 0 : a >>> src; break;
          case BPF_NEG: a = -a >>> 0; break;
          default: fail(`unsupported ALU op 0x${ins.code.toString(16)}`);
        }
        pc++;
        break;
      }
      case BPF_JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF_JA) {
          pc += 1 + k;
          break;
        }
        const src = ins.code & BPF_X ? x : k;
        let cond: boolean;
        switch (op) {
          case BPF_JEQ: cond = a === src; break;
          case BPF_JGT: cond = a > src; break;
          case BPF_JGE: cond = a >= src; break;
          case BPF_JSET: cond = (a & src) !== 0; break;
          default: return fail(`unsupported jump 0x${ins.code.toString(16)}`);
        }
        pc += 1 + (cond ? ins.jt : ins.jf);
        break;
      }
      case BPF_RET: {
        const src = ins.code & 0x18;
        return { action: (src === BPF_A ? a : k) >>> 0, steps };
      }
      case BPF_MISC:
        if ((ins.code & 0xf8) === BPF_TAX) x = a;
        else if ((ins.code & 0xf8) === BPF_TXA) a = x;
        else fail('unsupported misc op');
        pc++;
        break;
      default:
        fail(`unknown instruction class ${cls}`);
    }
  }
}
