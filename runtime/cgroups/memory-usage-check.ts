import { readFileSync } from 'node:fs';
import type { LinuxResources } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';

type Memory = NonNullable<LinuxResources['memory']>;

/** Where a layout keeps the two usages checkBeforeUpdate compares against. */
export interface MemoryUsageFiles {
  /** memory in use, in bytes */
  memory: string;
  /** memory plus swap in use (v1 keeps that sum; on v2 the swap file is added to memory) */
  memoryAndSwap: string[];
}

export const V1_USAGE_FILES: MemoryUsageFiles = { memory: 'memory.usage_in_bytes', memoryAndSwap: ['memory.memsw.usage_in_bytes'] };
export const V2_USAGE_FILES: MemoryUsageFiles = { memory: 'memory.current', memoryAndSwap: ['memory.current', 'memory.swap.current'] };

/**
 * memory.checkBeforeUpdate (config-linux.md): an update that would set a limit below what the
 * container already uses is refused before anything is written, instead of leaving it to the
 * kernel (v2 would OOM-kill at once; v1 reclaims and may or may not give up with EBUSY). `on` is
 * the flag from the update or, when the update does not say, from the config in force.
 */
export function checkMemoryBeforeUpdate(dir: string, files: MemoryUsageFiles, mem: Memory, on: boolean): void {
  if (!on) return;
  const read = (file: string): number | undefined => {
    try {
      return Number(readFileSync(`${dir}/${file}`, 'utf8').trim());
    } catch {
      return undefined; // no such accounting (e.g. swap accounting off): nothing to compare
    }
  };
  const refuse = (field: string, limit: number, usage: number) => {
    throw new TsrunError(`linux.resources.memory.${field}: the new limit ${limit} is below the ${usage} bytes the container uses now (memory.checkBeforeUpdate is set)`);
  };
  const limit = Number(mem.limit ?? 0);
  if (limit > 0) {
    const usage = read(files.memory);
    if (usage !== undefined && limit < usage) refuse('limit', limit, usage);
  }
  const swap = Number(mem.swap ?? 0);
  if (swap > 0) {
    const parts = files.memoryAndSwap.map(read);
    if (parts.every((p) => p !== undefined)) {
      const usage = parts.reduce((a, b) => a! + b!, 0)!;
      if (swap < usage) refuse('swap', swap, usage);
    }
  }
}
