import { existsSync } from 'node:fs';
import type { LinuxDevice } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { MS, S_IFBLK, S_IFCHR, S_IFIFO, makedev } from './linux-constants.ts';
import { MountMkdir, MountWhere, Op, type PlanOp } from '../native/plan-ops.ts';

// The nodes every container gets in its own /dev (runtime-spec config-linux.md "Default Devices").
const DEFAULT_DEVICES: LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const TYPE_BITS: Record<string, number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/**
 * Device nodes and /dev symlinks. With /dev bound from the host nothing is made but the config's own
 * devices. In a new user namespace mknod is not allowed, so the host's node is bound instead.
 */
export function deviceOps(devices: readonly LinuxDevice[] | undefined, devIsBound: boolean, inUserNs: boolean): PlanOp[] {
  const ops: PlanOp[] = [];
  const byPath = new Map<string, LinuxDevice>();
  if (!devIsBound) for (const d of DEFAULT_DEVICES) byPath.set(d.path, d);
  (devices ?? []).forEach((d, i) => {
    if (!d.path.startsWith('/dev/')) throw new TsrunError(`linux.devices[${i}].path: ${JSON.stringify(d.path)} must be under /dev`);
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined))
      throw new TsrunError(`linux.devices[${i}]: major and minor are required for type ${d.type}`);
    byPath.set(d.path, d);
  });
  for (const d of byPath.values()) {
    if (inUserNs) {
      if (!existsSync(d.path)) throw new TsrunError(`linux.devices: ${d.path} must exist on the host to be bound into a user namespace`);
      ops.push({ op: Op.MOUNT, args: [d.path, d.path, '', MS.BIND, '', MountWhere.IN_ROOT, MountMkdir.FILE] });
    } else {
      const mode = (TYPE_BITS[d.type] ?? 0) | ((d.fileMode ?? 0o666) & 0o7777);
      const dev = d.type === 'p' ? 0n : makedev(d.major ?? 0, d.minor ?? 0);
      ops.push({ op: Op.MKNOD, args: [d.path, mode, dev, d.uid ?? 0, d.gid ?? 0] });
    }
  }
  if (!devIsBound) {
    const links: [string, string][] = [
      ['/proc/self/fd', '/dev/fd'],
      ['/proc/self/fd/0', '/dev/stdin'],
      ['/proc/self/fd/1', '/dev/stdout'],
      ['/proc/self/fd/2', '/dev/stderr'],
    ];
    if (existsSync('/proc/kcore')) links.push(['/proc/kcore', '/dev/core']);
    if (!byPath.has('/dev/ptmx')) links.push(['pts/ptmx', '/dev/ptmx']);
    for (const [target, path] of links) ops.push({ op: Op.SYMLINK, args: [target, path] });
  }
  return ops;
}
