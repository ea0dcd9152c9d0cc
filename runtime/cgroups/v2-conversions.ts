/**
 * The arithmetic that turns the spec's v1-shaped values into cgroup v2 file contents, as runc does
 * it (libcontainer/cgroups/utils.go and fs2), so that a config means the same under tsrun and runc.
 * Pure functions: unit-tested without a kernel.
 */

/** -1 is "max", 0 or absent is "not set" (undefined: write nothing). */
export function limitText(value: number | undefined | null): string | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  return value < 0 ? 'max' : String(value);
}

/**
 * memory.swap.max from the spec's memory.swap, which on v1 is memory+swap: swap alone is the
 * difference. -1 means unlimited; a limit of -1 with no swap given means both unlimited.
 * Returns undefined when nothing is to be written; throws a reason when the pair makes no sense.
 */
export function swapMaxText(swap: number | undefined | null, limit: number | undefined | null): string | undefined {
  const s = swap ?? 0;
  const m = limit ?? 0;
  if (m === -1 && s === 0) return 'max';
  if (s === -1) return 'max';
  if (s === 0) return undefined;
  if (m === 0 || m === -1) throw new Error('a swap limit needs a memory limit');
  if (s < m) throw new Error(`memory+swap (${s}) must not be below memory.limit (${m})`);
  return String(s - m);
}

/** cpu.weight [1, 10000] from v1 cpu.shares [2, 262144], runc's linear mapping. */
export function cpuWeightFromShares(shares: number): number {
  if (shares <= 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** io.weight [1, 10000] from v1 blkio.weight [10, 1000], runc's linear mapping. */
export function ioWeightFromBlkioWeight(weight: number): number {
  if (weight <= 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * cpu.max is "QUOTA PERIOD" with "max" for no quota. Without a period the kernel keeps the
 * current one; without a quota (and a period given) the quota is unlimited.
 */
export function cpuMaxText(quota: number | undefined | null, period: number | undefined | null): string | undefined {
  const q = quota ?? 0;
  const p = period ?? 0;
  if (q === 0 && p === 0) return undefined;
  const head = q > 0 ? String(q) : 'max';
  return p > 0 ? `${head} ${p}` : head;
}

/** The hugetlb file prefix for a spec pageSize ("2MB", "1GB", "64KB"): hugetlb.2MB. */
export function hugetlbPrefix(pageSize: string): string {
  const m = /^(\d+)(KB|MB|GB)$/.exec(pageSize);
  if (!m) throw new Error(`pageSize ${JSON.stringify(pageSize)} is not a size like 2MB or 1GB`);
  return `hugetlb.${m[1]}${m[2]}`;
}

/** One rdma.max line: "mlx4_0 hca_handle=2 hca_object=2000" (a missing limit stays as it is). */
export function rdmaLine(device: string, limit: { hcaHandles?: number | null; hcaObjects?: number | null }): string | undefined {
  const parts: string[] = [];
  if (limit.hcaHandles !== undefined && limit.hcaHandles !== null) parts.push(`hca_handle=${limit.hcaHandles}`);
  if (limit.hcaObjects !== undefined && limit.hcaObjects !== null) parts.push(`hca_object=${limit.hcaObjects}`);
  return parts.length > 0 ? `${device} ${parts.join(' ')}` : undefined;
}
