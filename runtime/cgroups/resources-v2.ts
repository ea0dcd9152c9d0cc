import { existsSync } from 'node:fs';
import type { LinuxResources } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { writeCgroupFile } from './cgroup-v2-files.ts';
import { cpuMaxText, cpuWeightFromShares, hugetlbPrefix, ioWeightFromBlkioWeight, limitText, rdmaLine, swapMaxText } from './v2-conversions.ts';

type Memory = NonNullable<LinuxResources['memory']>;
type Cpu = NonNullable<LinuxResources['cpu']>;
type BlockIO = NonNullable<LinuxResources['blockIO']>;

/**
 * Writes a LinuxResources (all of it at create, a patch at update) to the container's cgroup on a
 * pure v2 hierarchy, mapping the spec's v1-shaped fields to v2 files as runc does. Zeros and nulls
 * mean "not set" (docker sends them). Device rules are not here: on v2 they are an eBPF program
 * (device-program.ts). A field v2 cannot honour fails rather than running the container less
 * confined than its config says. `unified` is written last, so its raw values win, as in runc.
 * `current` is the resources in force (update), for values computed from two fields.
 */
export function applyResourcesV2(dir: string, res: LinuxResources, current: LinuxResources = {}): void {
  if (res.pids) {
    const v = limitText(res.pids.limit);
    if (v) writeCgroupFile(dir, 'pids.max', v, 'pids.limit');
  }
  if (res.memory) applyMemory(dir, res.memory, current.memory ?? {});
  if (res.blockIO) applyBlockIO(dir, res.blockIO);
  if (res.cpu) applyCpu(dir, res.cpu);
  for (const h of res.hugepageLimits ?? []) {
    let prefix: string;
    try {
      prefix = hugetlbPrefix(h.pageSize);
    } catch (err) {
      throw new TsrunError(`linux.resources.hugepageLimits: ${(err as Error).message}`);
    }
    writeCgroupFile(dir, `${prefix}.max`, h.limit, `hugepageLimits[${h.pageSize}]`);
    // Reservations are charged separately (Linux 5.7+); without the same limit a mapping could
    // reserve pages it can never fault in.
    if (existsSync(`${dir}/${prefix}.rsvd.max`)) writeCgroupFile(dir, `${prefix}.rsvd.max`, h.limit, `hugepageLimits[${h.pageSize}]`);
  }
  for (const [device, limit] of Object.entries(res.rdma ?? {})) {
    const line = rdmaLine(device, limit);
    if (line) writeCgroupFile(dir, 'rdma.max', line, `rdma.${device}`);
  }
  if (res.network && (res.network.classID || (res.network.priorities ?? []).length > 0))
    throw new TsrunError('linux.resources.network: classID and priorities are cgroup v1 controllers (net_cls, net_prio), which a cgroup v2 host does not have');
  for (const [key, value] of Object.entries(res.unified ?? {})) {
    if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) throw new TsrunError(`linux.resources.unified: ${JSON.stringify(key)} is not the name of a cgroup v2 file (like memory.high)`);
    if (['cgroup.procs', 'cgroup.threads', 'cgroup.kill', 'cgroup.subtree_control', 'cgroup.type', 'cgroup.freeze'].includes(key))
      throw new TsrunError(`linux.resources.unified: ${key} moves, kills or structures processes; it is not a resource`);
    writeCgroupFile(dir, key, value, `unified.${key}`);
  }
}

function applyMemory(dir: string, mem: Memory, current: Memory): void {
  let swap: string | undefined;
  try {
    // swap alone is memory+swap minus the limit, so an update that changes one needs the other.
    swap = swapMaxText(mem.swap, mem.swap ? mem.limit || current.limit : mem.limit);
  } catch (err) {
    throw new TsrunError(`linux.resources.memory.swap: ${(err as Error).message}`);
  }
  // swap first: with swap accounting off (no memory.swap.max) this fails before any limit changes.
  if (swap !== undefined) writeCgroupFile(dir, 'memory.swap.max', swap, 'memory.swap');
  const max = limitText(mem.limit);
  if (max) writeCgroupFile(dir, 'memory.max', max, 'memory.limit');
  // A reservation is memory the container keeps under pressure: v2's memory.low.
  const low = limitText(mem.reservation);
  if (low) writeCgroupFile(dir, 'memory.low', low, 'memory.reservation');
  if (mem.kernel || mem.kernelTCP) throw new TsrunError(`linux.resources.memory.${mem.kernel ? 'kernel' : 'kernelTCP'}: cgroup v2 has no separate kernel memory limit (it is part of memory.max)`);
  // swappiness and disableOOMKiller have no v2 file; runc ignores them there too, and neither
  // loosens a limit (the OOM killer stays on).
}

function applyCpu(dir: string, cpu: Cpu): void {
  if (cpu.realtimePeriod || cpu.realtimeRuntime)
    throw new TsrunError('linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no real-time cpu controller');
  // An idle cgroup has no weight (the kernel refuses one): idle first, then the weight unless idle.
  if (cpu.idle !== undefined && cpu.idle !== null) writeCgroupFile(dir, 'cpu.idle', cpu.idle, 'cpu.idle');
  const weight = cpu.shares ? cpuWeightFromShares(cpu.shares) : 0;
  if (weight && cpu.idle !== 1) writeCgroupFile(dir, 'cpu.weight', weight, 'cpu.shares');
  const max = cpuMaxText(cpu.quota, cpu.period);
  const burst = cpu.burst ?? undefined;
  // The kernel wants burst <= quota at every instant: before cpu.max when lowering, after when
  // raising. Try before; if refused, write it after the new quota.
  let burstDone = burst === undefined;
  if (!burstDone) {
    try {
      writeCgroupFile(dir, 'cpu.max.burst', burst!, 'cpu.burst');
      burstDone = true;
    } catch (err) {
      if (!max) throw err;
    }
  }
  if (max) writeCgroupFile(dir, 'cpu.max', max, cpu.quota ? 'cpu.quota' : 'cpu.period');
  if (!burstDone) writeCgroupFile(dir, 'cpu.max.burst', burst!, 'cpu.burst');
  if (cpu.cpus) writeCgroupFile(dir, 'cpuset.cpus', cpu.cpus, 'cpu.cpus');
  if (cpu.mems) writeCgroupFile(dir, 'cpuset.mems', cpu.mems, 'cpu.mems');
}

function applyBlockIO(dir: string, blk: BlockIO): void {
  // With the BFQ scheduler, weights are its own (same 1-1000 scale as v1); else io.weight (iocost).
  const bfq = existsSync(`${dir}/io.bfq.weight`);
  if (blk.weight) {
    if (bfq) writeCgroupFile(dir, 'io.bfq.weight', blk.weight, 'blockIO.weight');
    else writeCgroupFile(dir, 'io.weight', ioWeightFromBlkioWeight(blk.weight), 'blockIO.weight');
  }
  if (blk.leafWeight) throw new TsrunError('linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weight');
  for (const d of blk.weightDevice ?? []) {
    if (!d.weight) continue;
    if (bfq) writeCgroupFile(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, 'blockIO.weightDevice');
    else writeCgroupFile(dir, 'io.weight', `${d.major}:${d.minor} ${ioWeightFromBlkioWeight(d.weight)}`, 'blockIO.weightDevice');
  }
  const throttles = [
    ['throttleReadBpsDevice', 'rbps'],
    ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'],
    ['throttleWriteIOPSDevice', 'wiops'],
  ] as const;
  for (const [field, key] of throttles) {
    // 0 means "no limit" in v1's files; v2 says "max".
    for (const d of blk[field] ?? []) writeCgroupFile(dir, 'io.max', `${d.major}:${d.minor} ${key}=${(d.rate ?? 0) > 0 ? d.rate : "max"}`, `blockIO.${field}`);
  }
}
