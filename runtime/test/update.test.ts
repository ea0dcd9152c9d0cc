import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TSRUN, TestRoot } from './harness.ts';

const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/client-specs');

describe('update: new limits for a running container', () => {
  let root: TestRoot;
  let id: string;
  const cg = (controller: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/${root.cgroupParent}/${id}/${file}`, 'utf8').trim();
  before(() => {
    root = new TestRoot('update');
    id = root.id('u');
    const c = root.config(id, ['sleep', '1000']);
    (c.linux as Record<string, unknown>).resources = { memory: { limit: 32 * 2 ** 20 } };
    assert.equal(root.tsrun(['run', '-d', '--bundle', root.bundle(id, c), id]).status, 0);
  });
  after(() => {
    root.tsrun(['delete', '--force', id]);
    const left = root.leftoverCgroups();
    root.cleanup();
    assert.deepEqual(left, []);
  });

  test('runc flags: sizes with units, memory raised above the old swap limit, cpu, pids', () => {
    const r = root.tsrun(['update', '--memory', '128m', '--memory-swap', '256m', '--cpu-share', '256', '--cpu-quota', '50000', '--cpu-period', '100000', '--pids-limit', '64', id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cg('memory', 'memory.limit_in_bytes'), String(128 * 2 ** 20));
    assert.equal(cg('memory', 'memory.memsw.limit_in_bytes'), String(256 * 2 ** 20));
    assert.equal(cg('cpu', 'cpu.shares'), '256');
    assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(cg('pids', 'pids.max'), '64');
  });

  test('docker\'s payload on stdin (-r -) lowers the limits again; podman\'s --resources=FILE form', () => {
    const docker = readFileSync(join(FIXTURES, 'docker-update-resources.json'), 'utf8');
    const r = spawnSync('node', [TSRUN, '--root', root.state, 'update', '--resources', '-', id], { input: docker, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cg('memory', 'memory.limit_in_bytes'), String(64 * 2 ** 20));
    assert.equal(cg('memory', 'memory.memsw.limit_in_bytes'), String(128 * 2 ** 20));
    assert.equal(cg('cpu', 'cpu.shares'), '512');
    assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000', 'a zero in the payload leaves the value alone');
    const p = root.tsrun([`--log-format=json`, 'update', `--resources=${join(FIXTURES, 'podman-update-resources.json')}`, id]);
    assert.equal(p.status, 0, p.stderr);
    const kept = JSON.parse(readFileSync(join(root.state, id, 'config.json'), 'utf8')) as { linux: { resources: { memory: { limit: number }; cpu: { shares: number; quota: number } } } };
    assert.equal(kept.linux.resources.memory.limit, 64 * 2 ** 20, 'the kept config shows the limits in force');
    assert.equal(kept.linux.resources.cpu.quota, 50000);
  });

  test('bad values are refused with the flag or file named; the limits stay as they were', () => {
    const before = cg('memory', 'memory.limit_in_bytes');
    const size = root.tsrun(['update', '--memory', 'lots', id]);
    assert.notEqual(size.status, 0);
    assert.match(size.stderr, /--memory: "lots" is not a size/);
    const notJson = root.tsrun(['update', '-r', '/nonexistent/res.json', id]);
    assert.match(notJson.stderr, /--resources \/nonexistent\/res\.json: .*no such file/i);
    const schema = spawnSync('node', [TSRUN, '--root', root.state, 'update', '-r', '-', id], { input: '{"memory":{"limit":"big"}}', encoding: 'utf8' });
    assert.notEqual(schema.status, 0);
    assert.match(schema.stderr, /memory\.limit: must be integer/);
    const devices = spawnSync('node', [TSRUN, '--root', root.state, 'update', '-r', '-', id], { input: '{"devices":[{"allow":true,"access":"rwm"}]}', encoding: 'utf8' });
    assert.match(devices.stderr, /devices: update cannot change it/);
    const kernel = root.tsrun(['update', '--cpuset-cpus', '99', id]);
    assert.notEqual(kernel.status, 0);
    assert.match(kernel.stderr, /cpuset\.cpus.*"99".*Invalid argument|cpu\.cpus: writing "99"/);
    assert.equal(cg('memory', 'memory.limit_in_bytes'), before);
    assert.match(root.tsrun(['update', '--memory', '1g', 'no-such-container']).stderr, /does not exist|no-such-container/);
  });
  test('memory.checkBeforeUpdate refuses a limit below what the container uses, before writing anything', () => {
    const before = cg('memory', 'memory.limit_in_bytes');
    const usage = Number(cg('memory', 'memory.usage_in_bytes'));
    assert.ok(usage > 8192, `the container uses ${usage} bytes`);
    const r = spawnSync('node', [TSRUN, '--root', root.state, 'update', '-r', '-', id], { input: JSON.stringify({ memory: { limit: 4096, checkBeforeUpdate: true } }), encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /memory\.limit: the new limit 4096 is below the \d+ bytes the container uses now \(memory\.checkBeforeUpdate is set\)/);
    assert.equal(cg('memory', 'memory.limit_in_bytes'), before);
    assert.equal(root.tsrun(['state', id]).status, 0);
    assert.match(root.tsrun(['state', id]).stdout, /"status": "running"/);
    // Above the usage the same update goes through.
    const ok = spawnSync('node', [TSRUN, '--root', root.state, 'update', '-r', '-', id], { input: JSON.stringify({ memory: { limit: 48 * 2 ** 20, checkBeforeUpdate: true } }), encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(cg('memory', 'memory.limit_in_bytes'), String(48 * 2 ** 20));
  });
});
