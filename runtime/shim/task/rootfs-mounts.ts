import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RpcError, Code } from '../ttrpc/rpc-status.ts';
import { errnoName, shimLibc } from './shim-syscalls.ts';

export interface MountSpec { type: string; source: string; target: string; options: string[] }

// mount(8) option words that are flags, not filesystem data.
const FLAGS: Record<string, [number, boolean]> = {
  ro: [1, true], rw: [1, false], nosuid: [2, true], suid: [2, false], nodev: [4, true], dev: [4, false],
  noexec: [8, true], exec: [8, false], sync: [16, true], async: [16, false], remount: [32, true],
  mand: [64, true], nomand: [64, false], dirsync: [128, true], noatime: [1024, true], atime: [1024, false],
  nodiratime: [2048, true], diratime: [2048, false], bind: [4096, true], rbind: [4096 | 16384, true],
  relatime: [1 << 21, true], norelatime: [1 << 21, false], strictatime: [1 << 24, true],
};

/** Splits mount options into the flags word and the data string given to the filesystem. */
export function mountFlags(options: string[]): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    if (!f) data.push(o);
    else if (f[1]) flags |= f[0];
    else flags &= ~f[0];
  }
  return { flags, data: data.join(',') };
}

/**
 * The rootfs of a task, as containerd hands it to the shim (an overlay of the snapshot, or a bind
 * of it), mounted on <bundle>/rootfs as the runc shim does. Returns the mount point, to undo.
 */
export function mountRootfs(bundle: string, mounts: MountSpec[]): string | undefined {
  if (mounts.length === 0) return undefined;
  const target = join(bundle, 'rootfs');
  mkdirSync(target, { recursive: true });
  const done: string[] = [];
  for (const [i, m] of mounts.entries()) {
    const { flags, data } = mountFlags(m.options);
    const dest = m.target ? join(target, m.target) : target;
    if (shimLibc().mount(m.source, dest, m.type === 'bind' ? null : m.type, flags, data || null) !== 0) {
      const err = errnoName(shimLibc().errno());
      for (const d of done.reverse()) shimLibc().umount2(d, 2);
      throw new RpcError(Code.INVALID_ARGUMENT, `CreateTaskRequest.rootfs[${i}]: mounting ${m.type} ${m.source} on ${dest} (options ${m.options.join(',')}): ${err}`);
    }
    done.push(dest);
  }
  return target;
}

const MNT_DETACH = 2;
const EINVAL = 22;
const ENOENT = 2;

/** Unmounts the rootfs, every layer stacked on it; "not mounted" is done already. */
export function unmountRootfs(target: string): void {
  for (let i = 0; i < 16; i++) {
    if (shimLibc().umount2(target, MNT_DETACH) !== 0) {
      const e = shimLibc().errno();
      if (e === EINVAL || e === ENOENT) return;
      throw new Error(`unmounting ${target}: ${errnoName(e)}`);
    }
  }
}
