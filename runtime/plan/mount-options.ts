import { TsrunError } from '../cli/errors.ts';
import { MS } from './linux-constants.ts';

/** mount(8)-style options split into flags to set, propagation changes, and filesystem data. */
export interface ParsedMountOptions {
  flags: number;
  propagation: number[];
  data: string;
}

// [flag, clear]: options that set a flag, and those that clear it (runc's table).
const FLAG_OPTIONS: Record<string, [number, boolean]> = {
  acl: [MS.POSIXACL, false], noacl: [MS.POSIXACL, true],
  async: [MS.SYNCHRONOUS, true], sync: [MS.SYNCHRONOUS, false],
  atime: [MS.NOATIME, true], noatime: [MS.NOATIME, false],
  bind: [MS.BIND, false], rbind: [MS.BIND | MS.REC, false],
  defaults: [0, false],
  dev: [MS.NODEV, true], nodev: [MS.NODEV, false],
  diratime: [MS.NODIRATIME, true], nodiratime: [MS.NODIRATIME, false],
  dirsync: [MS.DIRSYNC, false],
  exec: [MS.NOEXEC, true], noexec: [MS.NOEXEC, false],
  iversion: [MS.I_VERSION, false], noiversion: [MS.I_VERSION, true],
  lazytime: [MS.LAZYTIME, false], nolazytime: [MS.LAZYTIME, true],
  loud: [MS.SILENT, true], silent: [MS.SILENT, false],
  mand: [MS.MANDLOCK, false], nomand: [MS.MANDLOCK, true],
  relatime: [MS.RELATIME, false], norelatime: [MS.RELATIME, true],
  strictatime: [MS.STRICTATIME, false], nostrictatime: [MS.STRICTATIME, true],
  remount: [MS.REMOUNT, false],
  ro: [MS.RDONLY, false], rw: [MS.RDONLY, true],
  suid: [MS.NOSUID, true], nosuid: [MS.NOSUID, false],
  symfollow: [MS.NOSYMFOLLOW, true], nosymfollow: [MS.NOSYMFOLLOW, false],
};

export const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

// Options runc understands that this version does not apply yet: refused rather than ignored.
const NOT_YET = new Set(['rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime', 'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rnosymfollow', 'rsymfollow', 'idmap', 'ridmap', 'tmpcopyup']);

export const KNOWN_MOUNT_OPTIONS = [...Object.keys(FLAG_OPTIONS), ...Object.keys(PROPAGATION_OPTIONS)];

export function parseMountOptions(options: readonly string[] | undefined, where: string): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const opt of options ?? []) {
    const flag = FLAG_OPTIONS[opt];
    if (flag) {
      flags = flag[1] ? flags & ~flag[0] : flags | flag[0];
    } else if (PROPAGATION_OPTIONS[opt] !== undefined) {
      propagation.push(PROPAGATION_OPTIONS[opt]);
    } else if (NOT_YET.has(opt)) {
      throw new TsrunError(`${where}: mount option ${JSON.stringify(opt)} is not supported by tsrun yet`);
    } else {
      data.push(opt);
    }
  }
  return { flags, propagation, data: data.join(',') };
}
