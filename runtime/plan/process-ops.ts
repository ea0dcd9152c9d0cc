import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Process } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { Op, encodeGids, type PlanOp } from '../native/plan-ops.ts';
import { capabilitySets, grantableCapabilities } from './capabilities.ts';
import { PERSONALITY_DOMAINS, RLIMITS } from './linux-constants.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function rlimitOps(proc: Process): PlanOp[] {
  const seen = new Set<string>();
  return (proc.rlimits ?? []).map((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new TsrunError(`process.rlimits[${i}].type: unknown rlimit ${JSON.stringify(r.type)}`);
    if (seen.has(r.type)) throw new TsrunError(`process.rlimits[${i}].type: ${r.type} is given twice`);
    seen.add(r.type);
    if (r.soft > r.hard) throw new TsrunError(`process.rlimits[${i}]: soft limit ${r.soft} is above hard limit ${r.hard}`);
    return { op: Op.SETRLIMIT, args: [resource, BigInt(r.soft), BigInt(r.hard)] };
  });
}

export function personalityOps(personality: { domain?: string; flags?: string[] } | undefined): PlanOp[] {
  if (!personality) return [];
  const domain = PERSONALITY_DOMAINS[personality.domain ?? 'LINUX'];
  if (domain === undefined) throw new TsrunError(`linux.personality.domain: unknown domain ${JSON.stringify(personality.domain)}`);
  if ((personality.flags ?? []).length > 0) throw new TsrunError('linux.personality.flags: no personality flags are supported');
  return [{ op: Op.PERSONALITY, args: [domain] }];
}

/** inOwnUserNs: the process runs in a user namespace other than tsrun's (new or joined). */
export function identityOp(proc: Process, inOwnUserNs: boolean, warn: (msg: string) => void, debug: (msg: string) => void): PlanOp {
  const caps = capabilitySets(proc.capabilities, 'process.capabilities', undefined, grantableCapabilities(inOwnUserNs));
  if (caps.unknown.length > 0) warn(`ignoring capabilities this kernel does not know: ${caps.unknown.join(', ')}`);
  if (caps.ungrantable.length > 0) warn(`ignoring capabilities tsrun does not hold and so cannot grant: ${caps.ungrantable.join(', ')}`);
  // The kernel keeps an ambient capability only when it is permitted and inheritable too (runc's
  // default spec lists ambient without inheritable): raise those, warn about the rest.
  const ambient = caps.ambient & caps.permitted & caps.inheritable;
  if (ambient !== caps.ambient) debug('ambient capabilities not also in the permitted and inheritable sets are not raised');
  const user = proc.user ?? { uid: 0, gid: 0 };
  const groups = (user.additionalGids ?? []).map(Number);
  return {
    op: Op.IDENTITY,
    args: [user.uid, user.gid, encodeGids(groups), 1, caps.bounding, caps.effective, caps.permitted, caps.inheritable, ambient],
  };
}

/** The environment as runc builds it: the config's, HOME from the rootfs passwd when missing, plus extras. */
export function processEnv(proc: Process, rootfs: string, extra: readonly string[]): string[] {
  const env = [...(proc.env ?? [])];
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${homeFor(rootfs, proc.user?.uid ?? 0)}`);
  return [...env, ...extra];
}

/** PATH for finding args[0]: the container's own, or the usual default when it sets none. */
export function lookupPath(env: readonly string[]): string {
  const entry = [...env].reverse().find((e) => e.startsWith('PATH='));
  return entry === undefined ? DEFAULT_PATH : entry.slice(5);
}

function homeFor(rootfs: string, uid: number): string {
  // Read only a regular file: a symlink in the rootfs must not make us read the host's files.
  const passwd = join(rootfs, 'etc/passwd');
  try {
    if (!lstatSync(join(rootfs, 'etc')).isDirectory() || !lstatSync(passwd).isFile()) return '/';
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') return f[5] || '/';
    }
  } catch {
    /* no passwd: fall through */
  }
  return '/';
}
