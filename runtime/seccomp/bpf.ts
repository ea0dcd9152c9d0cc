// Classic BPF, as seccomp takes it: opcodes, the seccomp_data layout, and a
// small assembler with symbolic labels that lays the program out and puts a
// JA trampoline in where a conditional jump (8-bit offset) cannot reach.

// ---- opcodes (linux/bpf_common.h) ------------------------------------------
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

export const BPF_W = 0x00;
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;

export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;

export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

// ---- struct seccomp_data (little-endian) -----------------------------------
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;
export const SECCOMP_DATA_IP = 8;
export const SECCOMP_DATA_ARGS = 16;
export const SECCOMP_DATA_SIZE = 64;
/** Offset of the low (k=0) or high (k=1) 32-bit word of args[i], little-endian. */
export function argWordOffset(index: number, high: boolean): number {
  return SECCOMP_DATA_ARGS + 8 * index + (high ? 4 : 0);
}

/** The kernel's limit on a filter's length (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export function encodeProgram(insns: readonly SockFilter[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt16LE(ins.code, i * 8);
    buf.writeUInt8(ins.jt, i * 8 + 2);
    buf.writeUInt8(ins.jf, i * 8 + 3);
    buf.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return buf;
}

export function decodeProgram(buf: Buffer): SockFilter[] {
  if (buf.length % 8 !== 0) throw new Error(`BPF program length ${buf.length} is not a multiple of 8`);
  const out: SockFilter[] = [];
  for (let off = 0; off < buf.length; off += 8) {
    out.push({ code: buf.readUInt16LE(off), jt: buf.readUInt8(off + 2), jf: buf.readUInt8(off + 3), k: buf.readUInt32LE(off + 4) });
  }
  return out;
}

// ---- assembler ---------------------------------------------------------------

/** A jump target; bound to the instruction emitted next after `bind`. */
export class Label {
  private static seq = 0;
  readonly id = ++Label.seq;
  constructor(readonly name = '') {}
}

interface AsmInsn {
  code: number;
  k: number;
  /** Conditional jumps: targets when the test holds / fails. */
  jt?: Label;
  jf?: Label;
  /** BPF_JA: target (offset goes in k). */
  ja?: Label;
  labels: Label[];
}

export class Assembler {
  private readonly insns: AsmInsn[] = [];
  private pending: Label[] = [];
  /** How many JA trampolines layout() had to insert. */
  trampolines = 0;

  bind(label: Label): void {
    this.pending.push(label);
  }

  private push(ins: Omit<AsmInsn, 'labels'>): void {
    this.insns.push({ ...ins, labels: this.pending });
    this.pending = [];
  }

  /** A = seccomp_data word at `offset`. */
  ld(offset: number): void {
    this.push({ code: BPF_LD | BPF_W | BPF_ABS, k: offset });
  }

  and(k: number): void {
    this.push({ code: BPF_ALU | BPF_AND | BPF_K, k: k >>> 0 });
  }

  /** Conditional jump on A against k: JEQ, JGT, JGE or JSET. */
  jmp(op: number, k: number, jt: Label, jf: Label): void {
    this.push({ code: BPF_JMP | op | BPF_K, k: k >>> 0, jt, jf });
  }

  ja(target: Label): void {
    this.push({ code: BPF_JMP | BPF_JA, k: 0, ja: target });
  }

  ret(k: number): void {
    this.push({ code: BPF_RET | BPF_K, k: k >>> 0 });
  }

  /**
   * Resolves labels into offsets. Classic BPF jumps only forward; the
   * conditional ones carry 8-bit offsets, so a target more than 255
   * instructions ahead is reached through a JA (32-bit offset) inserted
   * right after the jump. Inserting only lengthens other jumps, so the loop
   * ends.
   */
  layout(): SockFilter[] {
    if (this.pending.length > 0) throw new Error('BPF assembler: label bound past the last instruction');
    const insns = this.insns;
    for (;;) {
      const where = new Map<number, number>();
      insns.forEach((ins, i) => ins.labels.forEach((l) => where.set(l.id, i)));
      const offset = (from: number, to: Label): number => {
        const at = where.get(to.id);
        if (at === undefined) throw new Error(`BPF assembler: unbound label ${to.name || to.id}`);
        const off = at - from - 1;
        if (off < 0) throw new Error(`BPF assembler: backward jump to ${to.name || to.id}`);
        return off;
      };
      let inserted = false;
      for (let i = 0; i < insns.length && !inserted; i++) {
        const ins = insns[i]!;
        for (const side of ['jt', 'jf'] as const) {
          const target = ins[side];
          if (target === undefined || offset(i, target) <= 255) continue;
          const hop = new Label('trampoline');
          insns.splice(i + 1, 0, { code: BPF_JMP | BPF_JA, k: 0, ja: target, labels: [hop] });
          ins[side] = hop;
          this.trampolines++;
          inserted = true;
          break;
        }
      }
      if (inserted) continue;
      return insns.map((ins, i) => {
        if (ins.ja) return { code: ins.code, jt: 0, jf: 0, k: offset(i, ins.ja) };
        if (ins.jt && ins.jf) return { code: ins.code, jt: offset(i, ins.jt), jf: offset(i, ins.jf), k: ins.k };
        return { code: ins.code, jt: 0, jf: 0, k: ins.k };
      });
    }
  }
}
