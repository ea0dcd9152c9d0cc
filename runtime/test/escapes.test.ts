/**
 * The attacks a container may try on its own confinement (issue 6, hardening): undoing masked and
 * read-only paths, regaining capabilities through a setuid-root program, and a fake /proc.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

  test('CVE-2021-30465: a mount destination swapped between a directory and a symlink out during set-up never lands outside', async (t) => {
    const root = testRoot();
    const rootfs = busyboxRootfs(join(root.dir, 'race-rootfs'));
    const outside = join(root.dir, 'outside');
    mkdirSync(outside);
    // A host process flips rootfs/race between a real directory and a symlink to the host
    // directory, as a second container sharing a volume did in the CVE.
    mkdirSync(join(rootfs, 'race.dir'));
    symlinkSync(outside, join(rootfs, 'race.link'));
    const flipper = spawn('sh', ['-c', 'cd "$1" && while :; do mv -T race.dir race; mv -T race race.dir; mv -T race.link race; mv -T race race.link; done', 'flip', rootfs], { stdio: 'ignore' });
    try {
      let ran = 0;
      for (let i = 0; i < 20; i++) {
        const id = root.id();
        const c = root.config(id, ['true'], rootfs);
        c.root.readonly = false;
        c.mounts.push({ destination: `/race/m${i}`, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] });
        c.mounts.push({ destination: `/race/b${i}`, type: 'bind', source: root.dir, options: ['rbind', 'ro'] });
        if (root.run(id, c).status === 0) ran++;
        assert.deepEqual(readdirSync(outside), [], `after try ${i}: nothing was made in the host directory`);
      }
      assert.deepEqual(root.leftoverState(), []);
      // A try may fail when it met the symlink (the destination then resolves inside the rootfs
      // to a path that is not a directory); the point is where nothing went.
      t.diagnostic(`${ran} of 20 containers ran`);
    } finally {
      flipper.kill('SIGKILL');
      await new Promise((r) => flipper.once('exit', r));
    }
  });

  test('CVE-2024-21626: a cwd of /proc/self/fd/N through a host directory descriptor cannot leave the root, at create or exec', () => {
    const root = testRoot();
    const host = join(root.dir, 'host-secret-dir');
    mkdirSync(host);
    writeFileSync(join(host, 'HOST-SECRET'), 'x');
    const dirFd = openSync(host, 'r'); // handed over as the container's fd 3 (--preserve-fds 1)
    let running = '';
    try {
      const id = root.id();
      const c = root.config(id, ['sh', '-c', 'pwd; ls']);
      c.process.cwd = '/proc/self/fd/3';
      const created = root.tsrun(['run', '--preserve-fds', '1', '--bundle', root.bundle(id, c), id], { extraFds: [dirFd] });
      assert.notEqual(created.status, 0, 'create refuses the cwd');
      assert.doesNotMatch(created.stdout, /HOST-SECRET/);
      assert.deepEqual(root.leftoverState(), []);

      const id2 = root.id();
      assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id2, root.config(id2, ['sleep', '100'])), id2]).status, 0);
      running = id2;
      const exec = root.tsrun(['exec', '--preserve-fds', '1', '--cwd', '/proc/self/fd/3', id2, 'sh', '-c', 'pwd; ls'], { extraFds: [dirFd] });
      assert.notEqual(exec.status, 0, 'exec refuses the cwd');
      assert.doesNotMatch(exec.stdout, /HOST-SECRET/);
      assert.match(exec.stderr, /cwd \/proc\/self\/fd\/3 is outside the container's root/);
      const control = root.tsrun(['exec', '--preserve-fds', '1', id2, 'sh', '-c', 'ls /proc/self/fd/3/ 2>&1; pwd'], { extraFds: [dirFd] });
      assert.equal(control.status, 0, `control: the descriptor itself does pass (--preserve-fds): ${control.stderr}`);
      assert.match(control.stdout, /HOST-SECRET\n\/\n/);
    } finally {
      closeSync(dirFd);
      if (running) assert.equal(root.tsrun(['delete', '--force', running]).status, 0);
    }
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
