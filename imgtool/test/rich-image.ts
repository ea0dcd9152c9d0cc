import { makeTar, type TestEntry } from './tar-writer.ts';

/** security.capability v2 granting cap_net_raw (bit 13) and cap_setuid (bit 7, a byte above 0x7f) as permitted+effective. */
export const CAP_VALUE = Buffer.from('010000028020000000000000000000000000000000', 'hex').subarray(0, 20);

const LONG_DIR = `long/${'d'.repeat(90)}/${'e'.repeat(90)}`;

/**
 * Three layers that between them hold every case of image-spec layer.md that an unpacker must get
 * right: whiteouts of files, directories and symlinks, an opaque directory, file<->directory
 * replacement, hardlinks within and across layers, symlinks of every kind, device nodes, a fifo,
 * setuid/setgid/sticky modes, owners, xattrs (security.capability with bytes above 0x7f), long
 * names (PAX path/linkpath) and distinct mtimes.
 */
export function richLayers(): Buffer[] {
  let t = 1_600_000_000;
  const m = (e: TestEntry): TestEntry => ({ mtime: (t += 1000), ...e });
  const base: TestEntry[] = [
    { name: 'etc/', type: 'dir' },
    { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' },
    { name: 'etc/group', body: 'root:x:0:\nalice:x:1000:\nwheel:x:10:alice\n' },
    { name: 'bin/', type: 'dir' },
    { name: 'bin/tool', body: 'tool', mode: 0o4755 },
    { name: 'bin/tool-link', type: 'hardlink', linkname: 'bin/tool' },
    { name: 'bin/sgid', body: 'sgid', mode: 0o2755, gid: 50 },
    { name: 'bin/ping', body: 'ping', mode: 0o755, xattrs: { 'security.capability': CAP_VALUE } },
    { name: 'usr/', type: 'dir' },
    { name: 'usr/lib/', type: 'dir', mode: 0o750, uid: 2, gid: 3 },
    { name: 'usr/lib/libx.so', body: 'lib', xattrs: { 'user.comment': 'from layer one', 'trusted.note': Buffer.from([0, 0xff, 0x80]) } },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'etc-link', type: 'symlink', linkname: '/etc' },
    { name: 'dangling', type: 'symlink', linkname: '/does/not/exist' },
    { name: 'dev/', type: 'dir' },
    { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o660, gid: 6 },
    { name: 'tmp/', type: 'dir', mode: 0o1777 },
    { name: 'tmp/fifo', type: 'fifo', mode: 0o620 },
    { name: 'home/', type: 'dir' },
    { name: 'home/alice/', type: 'dir', mode: 0o700, uid: 1000, gid: 1000 },
    { name: 'home/alice/notes', body: 'mine', uid: 1000, gid: 1000, mode: 0o600 },
    { name: 'data/', type: 'dir' },
    { name: 'data/keep', body: 'keep' },
    { name: 'data/gone', body: 'gone' },
    { name: 'data/sub/', type: 'dir' },
    { name: 'data/sub/x', body: 'x1' },
    { name: 'data/sym', type: 'symlink', linkname: 'keep' },
    { name: 'opq/', type: 'dir' },
    { name: 'opq/old1', body: 'o1' },
    { name: 'opq/olddir/', type: 'dir' },
    { name: 'opq/olddir/f', body: 'o2' },
    { name: 'file-to-dir', body: 'was a file' },
    { name: 'dir-to-file/', type: 'dir' },
    { name: 'dir-to-file/child', body: 'child' },
    { name: 'long/', type: 'dir' },
    { name: `long/${'d'.repeat(90)}/`, type: 'dir' },
    { name: `${LONG_DIR}/`, type: 'dir' },
    { name: `${LONG_DIR}/${'f'.repeat(120)}`, body: 'deep' },
    { name: 'long-link', type: 'symlink', linkname: `${LONG_DIR}/${'f'.repeat(120)}` },
  ];
  const second: TestEntry[] = [
    { name: './', type: 'dir', mode: 0o751, gid: 7 },
    { name: 'data/', type: 'dir', mode: 0o775 },
    { name: 'data/.wh.gone' },
    { name: 'data/.wh.sub' },
    { name: 'data/.wh.sym' },
    { name: 'data/keep-link', type: 'hardlink', linkname: 'data/keep' },
    { name: 'opq/', type: 'dir' },
    { name: 'opq/.wh..wh..opq' },
    { name: 'opq/new', body: 'new' },
    { name: 'file-to-dir/', type: 'dir', mode: 0o711 },
    { name: 'file-to-dir/inside', body: 'inside' },
    { name: 'dir-to-file', body: 'now a file' },
    { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/:/bin/sh\n' },
  ];
  const third: TestEntry[] = [
    { name: 'data/gone/', type: 'dir' },
    { name: 'data/gone/back', body: 'back as a directory' },
    { name: 'bin/ping-link', type: 'hardlink', linkname: 'bin/ping' },
    { name: 'usr/lib/libx.so', body: 'lib v2', mode: 0o755, xattrs: { 'user.comment': 'from layer three' } },
    { name: '.wh.dangling' },
    { name: 'dangling', type: 'symlink', linkname: 'data/keep' },
  ];
  return [base, second, third].map((entries) => makeTar(entries.map(m)));
}
