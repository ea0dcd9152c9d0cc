import { statfsSync } from 'node:fs';
import type { Mount } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';

const PROC_SUPER_MAGIC = 0x9fa0;

// Files lxcfs (and the like) bind over, which runc allows too: they only change what a file reads.
const PROC_FILES_ALLOWED = new Set([
  '/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime',
  '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid',
]);

/**
 * CVE-2019-16884 and CVE-2019-19921: something other than procfs mounted on /proc (or over a
 * part of it) would make the container's masked and read-only /proc paths, and the runtime's own
 * later uses of /proc, apply to a fake. A mount at or under /proc must therefore be a procfs,
 * a bind of something that is procfs on the host, or one of the lxcfs files; as runc decides.
 */
export function checkProcMount(m: Mount, dest: string, bindSource: string | undefined, where: string): void {
  if (dest !== '/proc' && !dest.startsWith('/proc/')) return;
  if (m.type === 'proc' && bindSource === undefined) return;
  if (bindSource !== undefined) {
    if (PROC_FILES_ALLOWED.has(dest)) return;
    let type = 0;
    try {
      type = statfsSync(bindSource).type;
    } catch {
      /* reported below: not procfs */
    }
    if (type === PROC_SUPER_MAGIC) return;
  }
  throw new TsrunError(`${where}.destination: ${dest}: only procfs may be mounted at or under /proc (or a bind of the lxcfs files such as /proc/meminfo)`);
}
