/**
 * The attacks a container may try on its own confinement (issue 6, hardening): undoing masked and
 * read-only paths, regaining capabilities through a setuid-root program, and a fake /proc.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { busyboxRootfs, mountCount, useTestRoot } from './harness.ts';

describe('escapes a container may try', () => {
  const testRoot = useTestRoot('escape', { before, after });

  test('masked and read-only paths survive umount and remount from inside (no CAP_SYS_ADMIN)', () => {
    const root = testRoot();
    const id = root.id();
    const c = root.config(id, ['sh', '-c', [
      'umount /proc/kcore 2>/dev/null && echo umounted-mask',
      'umount -l /proc/sys 2>/dev/null && echo umounted-ro',
      'mount -o remount,rw /proc/sys 2>/dev/null && echo remounted-rw',
      'mount -o remount,rw,bind /proc/sys 2>/dev/null && echo remounted-bind-rw',
      'mount -t proc proc /mnt 2>/dev/null && echo mounted-proc',
      'echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo wrote-sysctl',
      'echo "kcore:$(head -c 16 /proc/kcore | wc -c)"',
      'echo done',
    ].join('; ')]);
    const r = root.run(id, c);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'kcore:0\ndone\n', 'every attempt failed and /proc/kcore still reads as empty');
  });

  test('the bounding set holds even for a setuid-root program, and no_new_privs stops setuid escalation', (t) => {
    const root = testRoot();
    if (spawnSync('gcc', ['--version']).status !== 0) return t.skip('gcc missing');
    // Its own rootfs: a setuid-root program that reports its euid and tries a chown (CAP_CHOWN).
    const rootfs = busyboxRootfs(join(root.dir, 'suid-rootfs'));
    const src = join(root.dir, 'suid.c');
    writeFileSync(src, '#include <stdio.h>\n#include <unistd.h>\nint main(void){int r=chown("/tmp/f",123,123);printf("euid=%d chown=%d\\n",(int)geteuid(),r);return 0;}\n');
    const built = spawnSync('gcc', ['-static', '-O1', '-o', join(rootfs, 'bin/suid'), src], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    chownSync(join(rootfs, 'bin/suid'), 0, 0);
    chmodSync(join(rootfs, 'bin/suid'), 0o4755);
    mkdirSync(join(rootfs, 'tmp'), { recursive: true });
    const run = (caps: string[], nnp: boolean) => {
      const id = root.id();
      const c = root.config(id, ['sh', '-c', 'touch /tmp/f && /bin/suid'], rootfs);
      c.root.readonly = false;
      c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] });
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.noNewPrivileges = nnp;
      c.process.capabilities = { bounding: caps, effective: [], permitted: [], inheritable: [], ambient: [] } as any;
      const r = root.run(id, c);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.equal(run(['CAP_CHOWN', 'CAP_SETUID'], false), 'euid=0 chown=0', 'control: setuid root with CAP_CHOWN in the bounding set works');
    assert.equal(run(['CAP_SETUID'], false), 'euid=0 chown=-1', 'CAP_CHOWN outside the bounding set: even euid 0 cannot chown');
    assert.equal(run(['CAP_CHOWN', 'CAP_SETUID'], true), 'euid=1000 chown=-1', 'no_new_privs: the setuid bit is ignored');
  });

  test('only procfs goes on /proc: a fake /proc or a tmpfs over /proc/sys is refused; lxcfs-style files are allowed', () => {
    const root = testRoot();
    const mounts = mountCount();
    const fake = join(root.dir, 'fake-proc');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, 'kcore'), 'fake');
    const refused = (dest: string, m: { type: string; source: string; options: string[] }) => {
      const id = root.id();
      const c = root.config(id, ['true']);
      c.mounts.push({ destination: dest, ...m });
      const r = root.run(id, c);
      assert.notEqual(r.status, 0, `${dest} must be refused`);
      assert.match(r.stderr, new RegExp(`mounts\\[\\d+\\]\\.destination: ${dest}: only procfs may be mounted at or under /proc`));
    };
    refused('/proc', { type: 'bind', source: fake, options: ['rbind'] });
    refused('/proc/sys', { type: 'tmpfs', source: 'tmpfs', options: [] });
    refused('/proc/self', { type: 'bind', source: fake, options: ['bind'] });
    assert.deepEqual(root.leftoverState(), []);
    assert.equal(mountCount(), mounts);
    const uptime = join(root.dir, 'uptime');
    writeFileSync(uptime, '12345.00 1.00\n');
    const id = root.id();
    const c = root.config(id, ['cat', '/proc/uptime']);
    c.mounts.push({ destination: '/proc/uptime', type: 'bind', source: uptime, options: ['bind', 'ro'] });
    const r = root.run(id, c);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '12345.00 1.00\n', 'an lxcfs-style file over /proc/uptime');
  });
});
