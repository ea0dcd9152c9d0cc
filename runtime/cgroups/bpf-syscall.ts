import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { TsrunError } from '../cli/errors.ts';

/**
 * The bpf() system call, which Node lacks, through koffi: load a cgroup device program and attach
 * it to a cgroup. Loaded only when a container on cgroup v2 has device rules.
 */
interface Bpf {
  syscall: (...args: unknown[]) => number | bigint;
  errno: () => number;
  address: (b: Buffer) => bigint;
}

const SYS_bpf = 321; // x86_64
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
/** Several programs on one cgroup, all of which must allow: what runc uses, so that a parent's program (a cgroup parent set by an orchestrator) keeps applying. */
const BPF_F_ALLOW_MULTI = 2;
const ATTR_SIZE = 128; // larger than any field used; the kernel accepts zeros past what it knows

let bpf: Bpf | undefined;
function load(): Bpf {
  if (bpf) return bpf;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const fn = lib.func('long syscall(long, ...)');
  bpf = { syscall: fn as Bpf['syscall'], errno: () => koffi.errno(), address: (b) => koffi.address(b) };
  return bpf;
}

function errnoName(n: number): string {
  const name = Object.entries(constants.errno).find(([, v]) => v === n)?.[0];
  return name ?? `errno ${n}`;
}

function call(cmd: number, attr: Buffer): number {
  const b = load();
  const r = Number(b.syscall(SYS_bpf, 'int', cmd, 'void *', attr, 'uint', attr.length));
  return r < 0 ? -b.errno() : r;
}

/**
 * Loads a BPF_PROG_TYPE_CGROUP_DEVICE program and returns its descriptor (the caller closes it).
 * A program the verifier refuses fails with the verifier's own log, which says why.
 */
export function loadDeviceProgram(insns: Buffer): number {
  const b = load();
  const license = Buffer.from('Apache\0');
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
  attr.writeUInt32LE(insns.length / 8, 4);
  attr.writeBigUInt64LE(b.address(insns), 8);
  attr.writeBigUInt64LE(b.address(license), 16);
  attr.write('tsrun_devices', 48, 'latin1'); // prog_name: shows in bpftool
  let fd = call(BPF_PROG_LOAD, attr);
  if (fd >= 0) return fd;
  const first = -fd;
  // Again with the verifier's log, only on failure: a log costs the kernel time on every load.
  const log = Buffer.alloc(64 * 1024);
  attr.writeUInt32LE(1, 24);
  attr.writeUInt32LE(log.length, 28);
  attr.writeBigUInt64LE(b.address(log), 32);
  fd = call(BPF_PROG_LOAD, attr);
  if (fd >= 0) return fd;
  const text = log.toString('latin1', 0, Math.max(0, log.indexOf(0))).trim().split('\n').slice(-3).join(' | ');
  throw new TsrunError(`linux.resources.devices: the kernel refused the device program (bpf BPF_PROG_LOAD: ${errnoName(first)})${text ? `: ${text}` : ''}`);
}

/** Attaches a loaded device program to the cgroup directory `dir`. */
export function attachDeviceProgram(dir: string, progFd: number): void {
  const cgroupFd = openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(cgroupFd, 0); // target_fd
    attr.writeUInt32LE(progFd, 4); // attach_bpf_fd
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
    attr.writeUInt32LE(BPF_F_ALLOW_MULTI, 12);
    const r = call(BPF_PROG_ATTACH, attr);
    if (r < 0) throw new TsrunError(`linux.resources.devices: attaching the device program to ${dir} (bpf BPF_PROG_ATTACH): ${errnoName(-r)}`);
  } finally {
    closeSync(cgroupFd);
  }
}

/** Loads the program, attaches it to the cgroup, and lets go of it (the attachment keeps it alive). */
export function installDeviceProgram(dir: string, insns: Buffer): void {
  const fd = loadDeviceProgram(insns);
  try {
    attachDeviceProgram(dir, fd);
  } finally {
    closeSync(fd);
  }
}
