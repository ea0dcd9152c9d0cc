import { statSync } from 'node:fs';
import { basename, isAbsolute, posix, resolve } from 'node:path';
import type { Mount } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import type { CgroupLayout } from '../cgroups/cgroup-layout.ts';
import type { CgroupPlacement } from '../cgroups/cgroup-manager.ts';
import { MountMkdir, MountWhere, Op, type PlanOp } from '../native/plan-ops.ts';
import { MS } from './linux-constants.ts';
import { parseMountOptions } from './mount-options.ts';
import { checkProcMount } from './proc-mount-check.ts';

export interface MountContext {
  bundle: string;
  cgroupLayout: CgroupLayout;
  cgroupPlacement: CgroupPlacement;
  newCgroupNs: boolean;
}

// Flags that a bind mount only gets through a second, remounting call.
const BIND_ONLY = MS.BIND | MS.REC | MS.REMOUNT;

export function isBindMount(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

function mountOp(source: string, target: string, fstype: string, flags: number, data: string, mkdir: number): PlanOp {
  return { op: Op.MOUNT, args: [source, target, fstype, flags, data, MountWhere.IN_ROOT, mkdir] };
}

/** The operations for config.mounts, in order. Targets resolve inside the rootfs in the helper. */
export function mountOps(mounts: readonly Mount[] | undefined, ctx: MountContext): PlanOp[] {
  const ops: PlanOp[] = [];
  (mounts ?? []).forEach((m, i) => {
    const where = `mounts[${i}]`;
    const dest = posix.normalize(m.destination.startsWith('/') ? m.destination : `/${m.destination}`);
    if (dest.split('/').includes('..')) throw new TsrunError(`${where}.destination: ${JSON.stringify(m.destination)} must not contain '..'`);
    const opts = parseMountOptions(m.options, `${where}.options`);
    if (m.type === 'cgroup') {
      ops.push(...cgroupMountOps(dest, opts.flags, ctx));
    } else if (isBindMount(m)) {
      if (!m.source) throw new TsrunError(`${where}.source: a bind mount needs a source`);
      const source = isAbsolute(m.source) ? m.source : resolve(ctx.bundle, m.source);
      checkProcMount(m, dest, source, where);
      let isDir: boolean;
      try {
        isDir = statSync(source).isDirectory();
      } catch (err) {
        throw new TsrunError(`${where}.source: ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
      }
      // Options mount(8) does not know go to mount(2) as data, as config.md asks; a bind mount's
      // kernel call ignores them (runc passes them the same way).
      const flags = opts.flags | MS.BIND;
      ops.push(mountOp(source, dest, '', flags & (MS.BIND | MS.REC), opts.data, isDir ? MountMkdir.DIR : MountMkdir.FILE));
      if (flags & ~BIND_ONLY) ops.push(mountOp('', dest, '', (flags & ~MS.REC) | MS.REMOUNT | MS.BIND, '', MountMkdir.NONE));
    } else {
      if (!m.type) throw new TsrunError(`${where}.type: required for a mount that is not a bind mount`);
      checkProcMount(m, dest, undefined, where);
      ops.push(mountOp(m.source ?? m.type, dest, m.type, opts.flags, opts.data, MountMkdir.DIR));
    }
    for (const p of opts.propagation) ops.push(mountOp('', dest, '', p, '', MountMkdir.NONE));
  });
  return ops;
}

/**
 * A "cgroup" mount shows the container its own cgroups. On v1: a tmpfs with each hierarchy's
 * container cgroup bound under it (and symlinks for co-mounted controllers); on v2: cgroup2 itself
 * in a new cgroup namespace, else a bind of the container's cgroup directory.
 */
function cgroupMountOps(dest: string, flags: number, ctx: MountContext): PlanOp[] {
  const ops: PlanOp[] = [];
  const { cgroupLayout: layout, cgroupPlacement: placement } = ctx;
  const locked = flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY);
  if (layout.kind === 'unified') {
    const h = layout.hierarchies[0];
    if (ctx.newCgroupNs || !h) ops.push(mountOp('cgroup2', dest, 'cgroup2', flags, '', MountMkdir.DIR));
    else {
      ops.push(mountOp(placement.paths[h.mountpoint] ?? h.mountpoint, dest, '', MS.BIND | MS.REC, '', MountMkdir.DIR));
      ops.push(mountOp('', dest, '', MS.BIND | MS.REMOUNT | locked, '', MountMkdir.NONE));
    }
    return ops;
  }
  ops.push(mountOp('tmpfs', dest, 'tmpfs', flags & ~MS.RDONLY, 'mode=755', MountMkdir.DIR));
  for (const h of layout.hierarchies) {
    const name = basename(h.mountpoint);
    const sub = posix.join(dest, name);
    ops.push(mountOp(placement.paths[h.mountpoint] ?? h.mountpoint, sub, '', MS.BIND | MS.REC, '', MountMkdir.DIR));
    ops.push(mountOp('', sub, '', MS.BIND | MS.REMOUNT | locked, '', MountMkdir.NONE));
    for (const c of h.controllers) {
      if (c !== name && !c.startsWith('name=')) ops.push({ op: Op.SYMLINK, args: [name, posix.join(dest, c)] });
    }
  }
  if (flags & MS.RDONLY) ops.push(mountOp('', dest, '', MS.BIND | MS.REMOUNT | locked, '', MountMkdir.NONE));
  return ops;
}
