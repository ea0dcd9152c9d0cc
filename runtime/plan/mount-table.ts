import { readFileSync } from 'node:fs';

/** The mount point that holds path (or is path), from this process's mount table. */
export function mountContaining(path: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string {
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const raw = line.split(' ')[4];
    if (!raw) continue;
    const m = raw.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if ((path === m || path.startsWith(m === '/' ? '/' : `${m}/`)) && m.length > best.length) best = m;
  }
  return best;
}
