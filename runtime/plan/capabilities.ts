import { readFileSync } from 'node:fs';
import type { LinuxCapabilities } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { CAPABILITIES } from './linux-constants.ts';

export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
  /** capabilities(7) names this kernel is too old for: ignored with a warning (config.md, runc) */
  unknown: string[];
  /** names the runtime itself does not hold, so it cannot grant them: left out with a warning */
  ungrantable: string[];
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

export function capabilityNumber(name: string, lastCap = kernelLastCap()): number | undefined {
  const n = (CAPABILITIES as readonly string[]).indexOf(name);
  return n >= 0 && n <= lastCap ? n : undefined;
}

/**
 * Two kinds of "unknown" are told apart. A name that capabilities(7) does not define at all
 * (runtime-tools' "CAP_TEST") is a malformed config: refused, naming where it is, so a typo never
 * runs a container with a set other than the one meant. A real capability that only this kernel
 * lacks (e.g. CAP_CHECKPOINT_RESTORE before 5.9) is what config.md means by a value that "cannot be
 * mapped to a relevant kernel interface": a warning, as runc gives, so new client defaults still
 * run on older kernels.
 */
export function capabilitySets(
  caps: LinuxCapabilities | undefined,
  where = 'process.capabilities',
  lastCap = kernelLastCap(),
  grantable = ALL_CAPABILITIES,
): CapabilitySets {
  const unknown = new Set<string>();
  const ungrantable = new Set<string>();
  const mask = (set: 'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient'): bigint => {
    let m = 0n;
    ((caps?.[set] ?? []) as readonly string[]).forEach((name, i) => {
      if (!(CAPABILITIES as readonly string[]).includes(name)) {
        throw new TsrunError(`${where}.${set}[${i}]: ${JSON.stringify(name)} is not a Linux capability (see capabilities(7))`);
      }
      const n = capabilityNumber(name, lastCap);
      if (n === undefined) unknown.add(name);
      else if (!(grantable & (1n << BigInt(n)))) ungrantable.add(name);
      else m |= 1n << BigInt(n);
    });
    return m;
  };
  return {
    bounding: mask('bounding'),
    effective: mask('effective'),
    permitted: mask('permitted'),
    inheritable: mask('inheritable'),
    ambient: mask('ambient'),
    unknown: [...unknown],
    ungrantable: [...ungrantable],
  };
}

const ALL_CAPABILITIES = (1n << 64n) - 1n;

/**
 * What the container's process can be given. A process that stays in tsrun's user namespace can
 * hold only what tsrun's own bounding set holds (capset(2) refuses the rest with EPERM: root here
 * lacks CAP_SYS_RESOURCE). In a user namespace of its own, or one it joins, the kernel hands it
 * every capability of that namespace, so nothing needs leaving out. config.md: a capability that
 * cannot be granted is logged as a warning, and the runtime SHOULD NOT fail.
 */
export function grantableCapabilities(inOwnUserNs: boolean, status = '/proc/self/status'): bigint {
  if (inOwnUserNs) return ALL_CAPABILITIES;
  try {
    const line = readFileSync(status, 'utf8').split('\n').find((l) => l.startsWith('CapBnd:'));
    return line ? BigInt(`0x${line.slice(7).trim()}`) : ALL_CAPABILITIES;
  } catch {
    return ALL_CAPABILITIES;
  }
}
