import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Op } from '../native/plan-ops.ts';
import { detectHostLsm, lsmOps } from './lsm-ops.ts';

// This machine has neither AppArmor nor SELinux: the enabled path is checked on the plan it makes.
test('an AppArmor profile becomes a write of "exec <profile>" to the exec attribute where AppArmor is enabled', () => {
  const ops = lsmOps({ apparmorProfile: 'docker-default' }, { apparmor: true, apparmorExecAttr: '/proc/self/attr/apparmor/exec', selinux: false }, 'process');
  assert.deepEqual(ops, [{ op: Op.WRITE_FILE, args: ['/proc/self/attr/apparmor/exec', 'exec docker-default'] }]);
  assert.deepEqual(lsmOps({}, { apparmor: true, apparmorExecAttr: '/proc/self/attr/exec', selinux: false }, 'process'), [], 'no profile, nothing to do');
});

test('where the host has no AppArmor (or for SELinux labels) the field is refused by name, as runc does', () => {
  const none = { apparmor: false, apparmorExecAttr: '/proc/self/attr/exec', selinux: false };
  assert.throws(() => lsmOps({ apparmorProfile: 'p' }, none, 'process'), /process\.apparmorProfile: AppArmor is not enabled on this host/);
  assert.throws(() => lsmOps({ selinuxLabel: 'system_u:system_r:container_t:s0' }, none, 'process'), /process\.selinuxLabel: SELinux is not enabled on this host/);
  assert.equal(typeof detectHostLsm().apparmor, 'boolean');
});
