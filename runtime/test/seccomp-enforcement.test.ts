import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { TestRoot } from './harness.ts';

const DOCKER = JSON.parse(readFileSync(new URL('../../../shared/fixtures/client-specs/docker-run-config.json', import.meta.url), 'utf8')) as { linux: { seccomp: unknown } };

describe('seccomp: the compiled filter is enforced in a real container', () => {
  let root: TestRoot;
  before(() => { root = new TestRoot('seccomp'); });
  after(() => root.cleanup());

  for (const nnp of [false, true]) {
    test(`docker's default profile (noNewPrivileges ${nnp}): denied calls get the profile's errno, allowed ones work`, () => {
      const id = root.id();
      const c = root.config(id, ['sh', '-c', 'grep "^Seccomp:" /proc/self/status; unshare -n true 2>/dev/null && echo unshare-ok || echo unshare-denied; echo hello > /dev/null && echo write-ok; ls / > /dev/null && echo ls-ok']);
      (c.linux as Record<string, unknown>).seccomp = DOCKER.linux.seccomp;
      c.process.noNewPrivileges = nnp;
      const r = root.run(id, c);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['Seccomp: 2', 'unshare-denied', 'write-ok', 'ls-ok']);
    });
  }

  test('a rule with errnoRet and a 64-bit argument condition', () => {
    const id = root.id();
    // personality(0xffffffff) only queries; deny exactly that query with ENOTSUP (95).
    const c = root.config(id, ['sh', '-c', 'mkdir /tmp/x 2>&1; echo rc=$?']);
    c.root.readonly = false;
    (c.linux as Record<string, unknown>).seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 95 }],
    };
    const r = root.run(id, c);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /not supported|Operation not supported/i);
    assert.match(r.stdout, /rc=1/);
  });
});
