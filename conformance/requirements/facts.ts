/** What tsrun-check reports from inside a container, and readers for its raw /proc fields. */
export interface Facts {
  hostname: string;
  domainname: string;
  pid: number;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  groups: number[];
  cwd: string;
  personality: number;
  env: string[];
  args: string[];
  ns: Record<string, string>;
  rlimits: Record<string, [number, number]>;
  status: string;
  mountinfo: string;
  cgroup: string;
  oomScoreAdj: string;
  uidMap: string | null;
  gidMap: string | null;
  stat: Record<string, { type?: string; major?: number; minor?: number; mode?: number; uid?: number; gid?: number; target?: string; errno?: number }>;
  probe: Record<string, { readable: boolean; readErrno: number; bytes: number; entries: number; writable: boolean; writeErrno: number }>;
  sysctl: Record<string, string | null>;
  files: Record<string, string | null>;
}

export function statusField(facts: Facts, name: string): string | undefined {
  const line = facts.status.split('\n').find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

export interface MountEntry {
  mountpoint: string;
  options: string[];
  optional: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}

export function mounts(facts: Facts): MountEntry[] {
  return facts.mountinfo.trim().split('\n').map((line) => {
    const [left, right = ''] = line.split(' - ');
    const f = left!.split(' ');
    const r = right.split(' ');
    return {
      mountpoint: f[4]!,
      options: (f[5] ?? '').split(','),
      optional: f.slice(6),
      fstype: r[0] ?? '',
      source: r[1] ?? '',
      superOptions: (r[2] ?? '').split(','),
    };
  });
}

export function mountAt(facts: Facts, path: string): MountEntry | undefined {
  return mounts(facts).filter((m) => m.mountpoint === path).at(-1);
}
