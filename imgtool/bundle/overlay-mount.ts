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

/** Mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone). */
export function isMountPoint(path: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => unescape(line.split(' ')[4] ?? '') === real);
}

export function unmountOverlay(target: string): void {
  umount2(target, 0);
}
