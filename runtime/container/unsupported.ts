import type { RuntimeConfig } from '../../spec/types.ts';
import { existsSync } from 'node:fs';
import { TsrunError } from '../cli/errors.ts';

/**
 * Parts of the spec this version of tsrun cannot apply yet. Each is refused with the field's name:
 * running a container less confined, or otherwise different, than its config asks is worse than not running it.
 */
export function refuseUnsupported(config: RuntimeConfig, source: string): void {
  const refuse = (field: string, why: string) => {
    throw new TsrunError(`${source}: ${field}: ${why}`);
  };
  const p = config.process;
  if (p?.scheduler) refuse('process.scheduler', 'not supported by tsrun yet');
  if (p?.ioPriority) refuse('process.ioPriority', 'not supported by tsrun yet');
  if (p?.execCPUAffinity) refuse('process.execCPUAffinity', 'not supported by tsrun yet');
  const l = config.linux;
  if (l?.mountLabel && existsSync('/sys/fs/selinux/enforce')) refuse('linux.mountLabel', 'SELinux labels are not applied by tsrun yet');
  if (l?.intelRdt) refuse('linux.intelRdt', 'Intel RDT is not supported by tsrun');
  if (l?.memoryPolicy) refuse('linux.memoryPolicy', 'not supported by tsrun yet');
  if (l?.netDevices && Object.keys(l.netDevices).length > 0) refuse('linux.netDevices', 'not supported by tsrun yet');
  (config.mounts ?? []).forEach((m, i) => {
    if ((m.uidMappings?.length ?? 0) > 0 || (m.gidMappings?.length ?? 0) > 0) refuse(`mounts[${i}].uidMappings`, 'idmapped mounts are not supported by tsrun yet');
  });
}
