import { existsSync, readFileSync } from 'node:fs';
import type { Process } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { Op, type PlanOp } from '../native/plan-ops.ts';

/** What the host's kernel offers of the LSMs a config can name. */
export interface HostLsm {
  apparmor: boolean;
  /** /proc/self/attr/apparmor/exec (Linux 5.8+) or the shared /proc/self/attr/exec */
  apparmorExecAttr: string;
  selinux: boolean;
}

export function detectHostLsm(): HostLsm {
  let apparmor = false;
  try {
    apparmor = existsSync('/sys/kernel/security/apparmor') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    apparmor = false;
  }
  const modern = existsSync('/proc/self/attr/apparmor/exec');
  return { apparmor, apparmorExecAttr: modern ? '/proc/self/attr/apparmor/exec' : '/proc/self/attr/exec', selinux: existsSync('/sys/fs/selinux/enforce') };
}

/**
 * The process's AppArmor profile, as runc applies it: "exec <profile>" written to the exec
 * attribute, which the kernel applies at the next execve (the program's). Where the host has no
 * AppArmor, a named profile is an error, as with runc: running unconfined instead would be quieter
 * and worse. SELinux labels are refused until they are implemented.
 */
export function lsmOps(proc: Pick<Process, 'apparmorProfile' | 'selinuxLabel'>, host: HostLsm, where: string): PlanOp[] {
  if (proc.selinuxLabel) {
    throw new TsrunError(`${where}.selinuxLabel: ${host.selinux ? 'SELinux labels are not applied by tsrun yet' : 'SELinux is not enabled on this host'}`);
  }
  if (!proc.apparmorProfile) return [];
  if (!host.apparmor) throw new TsrunError(`${where}.apparmorProfile: AppArmor is not enabled on this host`);
  return [{ op: Op.WRITE_FILE, args: [host.apparmorExecAttr, `exec ${proc.apparmorProfile}`] }];
}
