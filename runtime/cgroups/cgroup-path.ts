import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { TsrunError } from '../cli/errors.ts';
import type { CgroupHierarchy, CgroupLayout } from './cgroup-layout.ts';

/**
 * Where the container's cgroup is inside each hierarchy, as runc decides it for cgroupfs:
 * an absolute cgroupsPath is used as is; a relative one is below tsrun's own cgroup;
 * none means /<container id>. The systemd form slice:prefix:name needs systemd, which is not driven here.
 */
export function resolveCgroupPath(cgroupsPath: string | undefined, id: string, hierarchy: CgroupHierarchy, ownCgroups = readOwnCgroups()): string {
  if (cgroupsPath !== undefined && /^[^/]*:[^/]*:[^/]*$/.test(cgroupsPath) && cgroupsPath.includes(':'))
    throw new TsrunError(`linux.cgroupsPath: ${JSON.stringify(cgroupsPath)} is a systemd path (slice:prefix:name), but tsrun drives cgroupfs only; give a path like /mygroup/${id}`);
  const inner = cgroupsPath === undefined || cgroupsPath === '' ? `/${id}` : cgroupsPath;
  if (inner.split('/').includes('..')) throw new TsrunError(`linux.cgroupsPath: ${JSON.stringify(inner)} must not contain '..'`);
  const key = hierarchy.version === 2 ? '' : hierarchy.controllers.join(',');
  const base = inner.startsWith('/') ? '/' : ownCgroups.get(key) ?? '/';
  return posix.join(hierarchy.mountpoint, base, inner).replace(/(.)\/+$/, '$1');
}

/** /proc/self/cgroup as a map from the controller list ('' for v2) to the path. */
export function readOwnCgroups(text = readFileSync('/proc/self/cgroup', 'utf8')): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) map.set(m[1]!, m[2]!);
  }
  return map;
}

/** tsrun's own cgroup directory in every hierarchy of the layout. */
export function ownCgroupDirs(layout: CgroupLayout, own = readOwnCgroups()): string[] {
  return layout.hierarchies.map((h) => posix.join(h.mountpoint, own.get(h.version === 2 ? '' : h.controllers.join(',')) ?? '/'));
}
