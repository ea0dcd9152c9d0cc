import { readFileSync } from 'node:fs';

/** One mounted cgroup hierarchy: where it is and what it controls. */
export interface CgroupHierarchy {
  mountpoint: string;
  /** v1 controllers (e.g. ['cpu','cpuacct'], ['name=systemd']); for v2: [] */
  controllers: string[];
  version: 1 | 2;
}

export interface CgroupLayout {
  kind: 'v1' | 'hybrid' | 'unified';
  hierarchies: CgroupHierarchy[];
}

/** Reads the mount table once: v1 hierarchies, the hybrid 'unified' v2 mount, or a pure v2 tree. */
export function detectCgroupLayout(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): CgroupLayout {
  const hierarchies: CgroupHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const mountpoint = unescapeMountPath(left[4] ?? '');
    if (fstype === 'cgroup2') hierarchies.push({ mountpoint, controllers: [], version: 2 });
    else if (fstype === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => !['rw', 'ro'].includes(o) && !o.startsWith('release_agent') && o !== 'clone_children' && o !== 'noprefix' && o !== 'xattr');
      hierarchies.push({ mountpoint, controllers, version: 1 });
    }
  }
  const v1 = hierarchies.filter((h) => h.version === 1);
  const v2 = hierarchies.filter((h) => h.version === 2);
  if (v1.length === 0) return { kind: 'unified', hierarchies: v2.slice(0, 1) };
  return { kind: v2.length > 0 ? 'hybrid' : 'v1', hierarchies: v1 };
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The hierarchy that holds a v1 controller, if mounted. */
export function hierarchyFor(layout: CgroupLayout, controller: string): CgroupHierarchy | undefined {
  return layout.hierarchies.find((h) => h.controllers.includes(controller));
}
