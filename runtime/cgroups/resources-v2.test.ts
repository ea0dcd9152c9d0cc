/**
 * The v2 file writes against a temporary directory laid out like a cgroup (empty files where the
 * kernel would have them): which file gets which text, and the errors for what v2 cannot do.
 * On top of, not instead of, the real-kernel tests in runtime/test/cgroups-v2.test.ts (the guest).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { applyResourcesV2 } from './resources-v2.ts';
import { cpuMaxText, cpuWeightFromShares, ioWeightFromBlkioWeight, swapMaxText } from './v2-conversions.ts';

const FILES = ['memory.max', 'memory.swap.max', 'memory.low', 'memory.high', 'pids.max', 'cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.idle', 'cpuset.cpus', 'cpuset.mems', 'io.weight', 'io.max', 'hugetlb.2MB.max', 'rdma.max'];

describe('v2 conversions (runc\'s arithmetic)', () => {
  test('memory.swap.max is memory+swap minus the limit; -1 is max; swap below the limit is refused', () => {
    assert.equal(swapMaxText(96, 64), '32');
    assert.equal(swapMaxText(64, 64), '0');
    assert.equal(swapMaxText(-1, 64), 'max');
    assert.equal(swapMaxText(0, -1), 'max');
    assert.equal(swapMaxText(undefined, 64), undefined);
    assert.throws(() => swapMaxText(32, 64), /must not be below/);
    assert.throws(() => swapMaxText(32, undefined), /needs a memory limit/);
  });
  test('cpu.weight from shares and io.weight from blkio weight span the v2 ranges', () => {
    assert.deepEqual([2, 1024, 262144].map(cpuWeightFromShares), [1, 39, 10000]);
    assert.deepEqual([10, 500, 1000].map(ioWeightFromBlkioWeight), [1, 4950, 10000]);
  });
  test('cpu.max: quota and period, "max" for no quota, the period alone kept by the kernel when absent', () => {
    assert.equal(cpuMaxText(50000, 100000), '50000 100000');
    assert.equal(cpuMaxText(-1, 100000), 'max 100000');
    assert.equal(cpuMaxText(20000, undefined), '20000');
    assert.equal(cpuMaxText(0, 0), undefined);
  });
});

describe('applyResourcesV2 against a cgroup-like directory', () => {
  let dir: string;
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsrun-cgv2-unit-'));
    for (const f of FILES) writeFileSync(join(dir, f), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('each field lands in its v2 file', () => {
    applyResourcesV2(dir, {
      memory: { limit: 64, swap: 96, reservation: 16 },
      pids: { limit: -1 },
      cpu: { shares: 1024, quota: 20000, period: 100000, burst: 5000, cpus: '0-1', mems: '0' },
      blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      rdma: { mlx5_0: { hcaHandles: 3 } },
      unified: { 'memory.high': '48' },
    });
    assert.deepEqual(
      ['memory.max', 'memory.swap.max', 'memory.low', 'pids.max', 'cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpuset.cpus', 'cpuset.mems', 'io.weight', 'io.max', 'hugetlb.2MB.max', 'rdma.max', 'memory.high'].map(file),
      ['64', '32', '16', 'max', '39', '20000 100000', '5000', '0-1', '0', '4950', '8:0 rbps=1048576', '4194304', 'mlx5_0 hca_handle=3', '48'],
    );
  });
  test('an update of swap alone uses the limit in force', () => {
    applyResourcesV2(dir, { memory: { swap: 200 } }, { memory: { limit: 128 } });
    assert.equal(file('memory.swap.max'), '72');
  });
  test('what v2 cannot honour, and unified names that are not files of this cgroup, fail naming the field', () => {
    assert.throws(() => applyResourcesV2(dir, { cpu: { realtimeRuntime: 1000 } }), /linux\.resources\.cpu\.realtimeRuntime/);
    assert.throws(() => applyResourcesV2(dir, { network: { classID: 1 } }), /linux\.resources\.network: .*v1/);
    assert.throws(() => applyResourcesV2(dir, { blockIO: { leafWeight: 10 } }), /linux\.resources\.blockIO\.leafWeight/);
    assert.throws(() => applyResourcesV2(dir, { unified: { '../../escape': '1' } }), /linux\.resources\.unified: "\.\.\/\.\.\/escape" is not the name/);
    assert.throws(() => applyResourcesV2(dir, { unified: { 'cgroup.procs': '1' } }), /not a resource/);
    assert.throws(() => applyResourcesV2(dir, { unified: { 'misc.max': '1' } }), /unified\.misc\.max: .*misc\.max does not exist/);
    assert.throws(() => applyResourcesV2(dir, { hugepageLimits: [{ pageSize: '2M', limit: 1 }] }), /hugepageLimits: pageSize "2M"/);
  });
});
