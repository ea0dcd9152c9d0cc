/**
 * Platform matching for indexes: `--platform os/arch[/variant]`, default this machine. Node's arch names
 * are mapped to Go's (x64 -> amd64), and arm64 without a variant matches v8 as containerd does.
 */
import type { Descriptor, Platform } from '../store/layout.ts';

const NODE_TO_GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };

export function hostPlatform(): Platform {
  const architecture = NODE_TO_GO_ARCH[process.arch] ?? process.arch;
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  if (architecture === 'arm') {
    const version = (process.config.variables as { arm_version?: string }).arm_version;
    return { os, architecture, variant: `v${version ?? '7'}` };
  }
  return { os, architecture };
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || !/^[a-z0-9._-]+$/.test(p))) {
    throw new Error(`invalid platform "${text}": write os/arch or os/arch/variant, e.g. linux/arm64/v8`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normalVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === 'v8')) return 'v8';
  return p.variant;
}

export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  // A request without a variant takes any variant; one with a variant needs that variant.
  return want.variant === undefined || normalVariant(want) === normalVariant(have);
}

/** The first entry of an index that matches, skipping attestation manifests (platform unknown/unknown). */
export function selectPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  return manifests.find((d) => platformMatches(want, d.platform));
}

export function describeOffered(manifests: Descriptor[]): string {
  const offered = manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'no platform')).filter((p) => p !== 'unknown/unknown');
  return offered.length ? offered.join(', ') : 'no platforms';
}
