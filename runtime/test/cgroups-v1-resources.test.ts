/**
 * v1 fields written where this kernel has the files (blkio throttling, cpu burst and idle), and a
 * clear refusal naming the controller where it is not mounted (hugetlb, net_cls on this machine).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { UNIFIED, useTestRoot } from './harness.ts';

const rootDisk = ['/dev/vda', '/dev/sda', '/dev/nvme0n1'].find(existsSync);

describe('cgroup v1: blkio throttling, cpu burst/idle, missing controllers', { skip: UNIFIED ? 'a v1 test' : false }, () => {
  const testRoot = useTestRoot('v1res', { before, after });

  test('throttle and burst values land in the v1 files', { skip: existsSync('/sys/fs/cgroup/cpu/cpu.cfs_burst_us') && rootDisk ? false : 'no cpu.cfs_burst_us or no known disk' }, () => {
    const root = testRoot();
    const id = root.id();
    const rdev = statSync(rootDisk!).rdev;
    const [major, minor] = [Math.floor(rdev / 256) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00)];
    const c = root.config(id, ['sleep', '1000']);
    (c.linux as Record<string, unknown>).resources = {
      cpu: { quota: 50000, period: 100000, burst: 20000, idle: 0 },
      blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleWriteIOPSDevice: [{ major, minor, rate: 100 }] },
    };
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
    try {
      const cg = (ctl: string, f: string) => readFileSync(`/sys/fs/cgroup/${ctl}/${root.cgroupParent}/${id}/${f}`, 'utf8').trim();
      assert.equal(cg('cpu', 'cpu.cfs_burst_us'), '20000');
      assert.equal(cg('blkio', 'blkio.throttle.read_bps_device'), `${major}:${minor} 1048576`);
      assert.equal(cg('blkio', 'blkio.throttle.write_iops_device'), `${major}:${minor} 100`);
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });

  test('a controller this machine does not mount is refused by name; nothing is left behind', { skip: existsSync('/sys/fs/cgroup/hugetlb') ? 'hugetlb is mounted here' : false }, () => {
    const root = testRoot();
    const id = root.id();
    const c = root.config(id, ['true']);
    (c.linux as Record<string, unknown>).resources = { hugepageLimits: [{ pageSize: '2MB', limit: 2 ** 21 }] };
    const r = root.run(id, c);
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), /^[^\n]*linux\.resources\.hugepageLimits\[2MB\]: the hugetlb cgroup controller is not mounted$/);
    assert.deepEqual(root.leftoverState(), []);
    assert.deepEqual(root.leftoverCgroups(), []);
  });
  test('memory: kernelTCP and useHierarchy land; a kernel limit this kernel ignores is warned about, not faked', () => {
    const root = testRoot();
    const id = root.id();
    const c = root.config(id, ['sleep', '1000']);
    (c.linux as Record<string, unknown>).resources = { memory: { limit: 64 * 2 ** 20, kernel: 32 * 2 ** 20, kernelTCP: 16 * 2 ** 20, useHierarchy: true } };
    const r = root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]);
    assert.equal(r.status, 0, r.stderr);
    try {
      const cg = (f: string) => readFileSync(`/sys/fs/cgroup/memory/${root.cgroupParent}/${id}/${f}`, 'utf8').trim();
      assert.equal(cg('memory.kmem.tcp.limit_in_bytes'), String(16 * 2 ** 20));
      assert.equal(cg('memory.use_hierarchy'), '1');
      const kmem = Number(cg('memory.kmem.limit_in_bytes'));
      if (kmem === 32 * 2 ** 20) assert.doesNotMatch(r.stderr, /ignores kernel memory limits/);
      else assert.match(r.stderr, /linux\.resources\.memory\.kernel: this kernel ignores kernel memory limits/);
    } finally {
      assert.equal(root.tsrun(['delete', '--force', id]).status, 0);
    }
  });

  test('useHierarchy false where the kernel fixes it at 1: the kernel\'s refusal, nothing left behind', () => {
    const root = testRoot();
    const id = root.id();
    const c = root.config(id, ['true']);
    (c.linux as Record<string, unknown>).resources = { memory: { useHierarchy: false } };
    const r = root.run(id, c);
    if (r.status === 0) return; // an old kernel (< 5.16) still lets a cgroup turn hierarchy off
    assert.match(r.stderr, /linux\.resources\.memory\.useHierarchy: writing "0" to \S+memory\.use_hierarchy: EINVAL/);
    assert.deepEqual(root.leftoverState(), []);
    assert.deepEqual(root.leftoverCgroups(), []);
  });
});
