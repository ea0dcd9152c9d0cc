import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makeTar, type TestEntry } from './tar-writer.ts';

/** The user the busybox test image runs as, with its /etc/passwd and /etc/group entries. */
export const IMAGE_USER = { name: 'app', uid: 1234, gid: 2345, supplementary: [3456, 4567] };

/**
 * A one-layer image made from Debian's busybox-static (/bin/busybox) with its applets as symlinks,
 * a named user in /etc/passwd and two groups listing that user in /etc/group.
 */
export function busyboxLayer(): Buffer {
  const busybox = readFileSync('/bin/busybox');
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  const entries: TestEntry[] = [
    { name: 'bin/', type: 'dir' },
    { name: 'bin/busybox', body: busybox, mode: 0o755 },
    ...applets.map((a): TestEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc/', type: 'dir' },
    { name: 'etc/passwd', body: `root:x:0:0:root:/root:/bin/sh\n${IMAGE_USER.name}:x:${IMAGE_USER.uid}:${IMAGE_USER.gid}::/home/app:/bin/sh\n` },
    { name: 'etc/group', body: `root:x:0:\n${IMAGE_USER.name}:x:${IMAGE_USER.gid}:\nextra:x:3456:${IMAGE_USER.name}\nmore:x:4567:root,${IMAGE_USER.name}\nother:x:5678:root\n` },
    ...['proc/', 'sys/', 'dev/', 'root/'].map((name): TestEntry => ({ name, type: 'dir' })),
    { name: 'tmp/', type: 'dir', mode: 0o1777 },
  ];
  return makeTar(entries);
}
