import { readFileSync } from 'node:fs';
import type { LinuxCapabilities } from '../../spec/types.ts';
import { CAPABILITIES } from './linux-constants.ts';

export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
  /** names this kernel does not know: ignored, as runc does, and reported as a warning */
  unknown: string[];
}

let lastCap: number | undefined;
function kernelLastCap(): number {
  if (lastCap === undefined) {
    try {
      lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    } catch {
      lastCap = CAPABILITIES.length - 1;
    }
  }
  return lastCap;
}

export function capabilityNumber(name: string): number | undefined {
  const n = (CAPABILITIES as readonly string[]).indexOf(name);
  return n >= 0 && n <= kernelLastCap() ? n : undefined;
}

export function capabilitySets(caps: LinuxCapabilities | undefined): CapabilitySets {
  const unknown = new Set<string>();
  const mask = (names: readonly string[] | undefined): bigint => {
    let m = 0n;
    for (const name of names ?? []) {
      const n = capabilityNumber(name);
      if (n === undefined) unknown.add(name);
      else m |= 1n << BigInt(n);
    }
    return m;
  };
  return {
    bounding: mask(caps?.bounding),
    effective: mask(caps?.effective),
    permitted: mask(caps?.permitted),
    inheritable: mask(caps?.inheritable),
    ambient: mask(caps?.ambient),
    unknown: [...unknown],
  };
}
