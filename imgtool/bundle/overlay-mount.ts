import { readFileSync, realpathSync } from 'node:fs';
import { mount, umount2 } from '../layer/native-fs.ts';

/** Whether the kernel offers overlayfs (the module may load on first mount; listed once loaded or built in). */
export function overlaySupported(): boolean {
  try {
    return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** Mounts lowers (bottom first, as stored) + upper/work at target. */
export function mountOverlay(lowersBottomFirst: readonly string[], upper: string, work: string, target: string): void {
  const paths = [...lowersBottomFirst, upper, work];
  const bad = paths.find((p) => /[:,\\]/.test(p));
  if (bad) throw new Error(`overlay paths cannot contain ':', ',' or '\\' (${bad}); use a --root without them`);
  const lowerdir = [...lowersBottomFirst].reverse().join(':');
  const data = `lowerdir=${lowerdir},upperdir=${upper},workdir=${work}`;
  if (data.length > 4000) throw new Error(`the image has too many layers for one overlay mount (${lowersBottomFirst.length}); use --no-overlay`);
  mount('overlay', target, 'overlay', 0, data);
}

/** One line of /proc/self/mountinfo: the mount point, the filesystem type and its superblock options, the kernel's octal escapes undone. */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string;
}

export function readMountInfo(): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    // Optional fields end with '-', after which come the type, the source and the superblock options.
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    return { mountPoint: unescape(fields[4] ?? ''), fsType: fields[dash + 1] ?? '', superOptions: unescape(fields[dash + 3] ?? '') };
  });
}

export function isMountPoint(path: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  return readMountInfo().some((m) => m.mountPoint === real);
}

/** The lower directories of every overlay mounted in this mount namespace (paths never hold ',' or ':', see mountOverlay). */
export function mountedOverlayLowers(): Set<string> {
  const lowers = new Set<string>();
  for (const m of readMountInfo()) {
    if (m.fsType !== 'overlay') continue;
    const option = m.superOptions.split(',').find((o) => o.startsWith('lowerdir='));
    for (const dir of option?.slice('lowerdir='.length).split(':') ?? []) lowers.add(dir);
  }
  return lowers;
}

export function unmountOverlay(target: string): void {
  umount2(target, 0);
}
