import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LinuxResources } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { hierarchyFor, type CgroupLayout } from './cgroup-layout.ts';
import type { CgroupPlacement } from './cgroup-manager.ts';
import { deviceRuleLines } from './device-rules.ts';
import { rdmaLine } from './v2-conversions.ts';
import { kernelSays } from './cgroup-v2-files.ts';

/**
 * Writes a LinuxResources to the container's v1 cgroups, file by file. A value the kernel refuses
 * fails naming the field, the file and the errno: a container must never run less confined than
 * its config asks. A value of 0 means "not set" for the fields where runc reads it so (docker
 * sends zeros).
 */
export function applyResourcesV1(
  layout: CgroupLayout,
  placement: CgroupPlacement,
  res: LinuxResources | undefined,
  warn: (msg: string) => void = () => {},
): void {
  if (!res) return;
  const write = (controller: string, file: string, value: string | number, field: string) => {
    const h = hierarchyFor(layout, controller);
    const dir = h && placement.paths[h.mountpoint];
    if (!dir) throw new TsrunError(`linux.resources.${field}: the ${controller} cgroup controller is not mounted`);
    const path = `${dir}/${file}`;
    if (!existsSync(path)) throw new TsrunError(`linux.resources.${field}: ${path} does not exist on this kernel`);
    try {
      writeFileSync(path, String(value));
    } catch (err) {
      throw new TsrunError(`linux.resources.${field}: writing ${JSON.stringify(String(value))} to ${path}: ${kernelSays(err)}`);
    }
  };

  for (const rule of deviceRuleLines(res.devices)) write('devices', rule.file, rule.line, 'devices');

  const mem = res.memory;
  if (mem) {
    // v1 keeps limit <= memsw limit at every instant: raising both (an update) must raise memsw
    // first, lowering must lower the limit first (runc's order).
    const memswFirst = Boolean(mem.limit && mem.swap) && (mem.swap === -1 || currentMemswLimit(layout, placement) < Number(mem.swap));
    if (memswFirst) write('memory', 'memory.memsw.limit_in_bytes', mem.swap!, 'memory.swap');
    if (mem.limit) write('memory', 'memory.limit_in_bytes', mem.limit, 'memory.limit');
    if (mem.swap && !memswFirst) write('memory', 'memory.memsw.limit_in_bytes', mem.swap, 'memory.swap');
    if (mem.reservation) write('memory', 'memory.soft_limit_in_bytes', mem.reservation, 'memory.reservation');
    if (mem.swappiness !== undefined && mem.swappiness !== null && Number(mem.swappiness) <= 100)
      write('memory', 'memory.swappiness', Number(mem.swappiness), 'memory.swappiness');
    if (mem.disableOOMKiller) write('memory', 'memory.oom_control', 1, 'memory.disableOOMKiller');
    // use_hierarchy has been fixed at 1 since Linux 5.16: asking for 0 there fails with the kernel's EINVAL.
    if (mem.useHierarchy !== undefined && mem.useHierarchy !== null) write('memory', 'memory.use_hierarchy', mem.useHierarchy ? 1 : 0, 'memory.useHierarchy');
    if (mem.kernelTCP) write('memory', 'memory.kmem.tcp.limit_in_bytes', mem.kernelTCP, 'memory.kernelTCP');
    if (mem.kernel) {
      write('memory', 'memory.kmem.limit_in_bytes', mem.kernel, 'memory.kernel');
      // Since Linux 5.16 the file takes any value and keeps "unlimited" (kernel memory counts in
      // the memory limit instead); runc ignores the field. Say so rather than pretend.
      if (mem.kernel !== -1 && readLimit(layout, placement, 'memory.kmem.limit_in_bytes') >= 2 ** 62)
        warn('linux.resources.memory.kernel: this kernel ignores kernel memory limits (deprecated since Linux 5.16); kernel memory is charged to memory.limit instead');
    }
  }
  const cpu = res.cpu;
  if (cpu) {
    if (cpu.shares) write('cpu', 'cpu.shares', cpu.shares, 'cpu.shares');
    if (cpu.period) write('cpu', 'cpu.cfs_period_us', cpu.period, 'cpu.period');
    if (cpu.quota) write('cpu', 'cpu.cfs_quota_us', cpu.quota, 'cpu.quota');
    if (cpu.realtimePeriod) write('cpu', 'cpu.rt_period_us', cpu.realtimePeriod, 'cpu.realtimePeriod');
    if (cpu.realtimeRuntime) write('cpu', 'cpu.rt_runtime_us', cpu.realtimeRuntime, 'cpu.realtimeRuntime');
    if (cpu.cpus) write('cpuset', 'cpuset.cpus', cpu.cpus, 'cpu.cpus');
    if (cpu.mems) write('cpuset', 'cpuset.mems', cpu.mems, 'cpu.mems');
    // Linux 5.14+ (burst) and 5.15+ (idle) have these on v1 too; an older kernel fails naming the file.
    if (cpu.burst) write('cpu', 'cpu.cfs_burst_us', cpu.burst, 'cpu.burst');
    if (cpu.idle !== undefined && cpu.idle !== null) write('cpu', 'cpu.idle', cpu.idle, 'cpu.idle');
  }
  if (res.pids && res.pids.limit) write('pids', 'pids.max', res.pids.limit > 0 ? res.pids.limit : 'max', 'pids.limit');
  const blk = res.blockIO;
  if (blk) {
    if (blk.weight) write('blkio', 'blkio.weight', blk.weight, 'blockIO.weight');
    // The throttle layer works under any I/O scheduler: "major:minor rate", 0 lifting the limit.
    const throttles = [
      ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
      ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
      ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
      ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
    ] as const;
    for (const [field, file] of throttles) for (const d of blk[field] ?? []) write('blkio', file, `${d.major}:${d.minor} ${d.rate ?? 0}`, `blockIO.${field}`);
    // Weights need CFQ's or BFQ's weight files, which this machine's scheduler does not have.
    if (blk.leafWeight) write('blkio', 'blkio.leaf_weight', blk.leafWeight, 'blockIO.leafWeight');
    for (const d of blk.weightDevice ?? []) {
      if (d.weight) write('blkio', 'blkio.weight_device', `${d.major}:${d.minor} ${d.weight}`, 'blockIO.weightDevice');
      if (d.leafWeight) write('blkio', 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, 'blockIO.weightDevice');
    }
  }
  // Where these v1 controllers are not mounted (this machine), write() fails naming the controller.
  for (const h of res.hugepageLimits ?? []) {
    if (!/^\d+[KMG]B$/.test(h.pageSize)) throw new TsrunError(`linux.resources.hugepageLimits: pageSize ${JSON.stringify(h.pageSize)} is not a size like 2MB or 1GB`);
    write('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit, `hugepageLimits[${h.pageSize}]`);
  }
  if (res.network?.classID) write('net_cls', 'net_cls.classid', res.network.classID, 'network.classID');
  for (const p of res.network?.priorities ?? []) write('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`, 'network.priorities');
  for (const [device, limit] of Object.entries(res.rdma ?? {})) {
    const line = rdmaLine(device, limit);
    if (line) write('rdma', 'rdma.max', line, `rdma.${device}`);
  }
  if (res.unified && Object.keys(res.unified).length > 0)
    throw new TsrunError('linux.resources.unified: cgroup v2 files cannot be set on a cgroup v1 host');
}

/** The container's memory cgroup directory on v1, when that controller is mounted. */
export function memoryDirV1(layout: CgroupLayout, placement: CgroupPlacement): string | undefined {
  const h = hierarchyFor(layout, 'memory');
  return h && placement.paths[h.mountpoint];
}

function currentMemswLimit(layout: CgroupLayout, placement: CgroupPlacement): number {
  return readLimit(layout, placement, 'memory.memsw.limit_in_bytes');
}

function readLimit(layout: CgroupLayout, placement: CgroupPlacement, file: string): number {
  const dir = memoryDirV1(layout, placement);
  try {
    return dir ? Number(readFileSync(`${dir}/${file}`, 'utf8')) : Infinity;
  } catch {
    return Infinity;
  }
}
