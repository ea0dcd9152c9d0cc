/**
 * Every device program tsrun can generate must pass the kernel's verifier: loaded for real with
 * bpf(BPF_PROG_LOAD) (root), and attached to a throwaway cgroup of a v2 hierarchy when one is
 * mounted (this machine's hybrid /sys/fs/cgroup/unified, or the v2 guest's /sys/fs/cgroup).
 * What an attached program allows and denies is tested in the guest (runtime/test/cgroups-v2.test.ts).
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { LinuxResources } from '../../spec/types.ts';
import { installDeviceProgram, loadDeviceProgram } from './bpf-syscall.ts';
import { deviceProgram } from './device-program.ts';

type Rules = NonNullable<LinuxResources['devices']>;
const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/client-specs');

/** The device rules real clients send (docker, podman, containerd fixtures), where present. */
function clientRuleSets(): [string, Rules][] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const doc = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { linux?: { resources?: LinuxResources } } & LinuxResources;
    const rules = doc.linux?.resources?.devices ?? doc.devices;
    return rules && rules.length > 0 ? [[f, rules] as [string, Rules]] : [];
  });
}

const RULE_SETS: [string, Rules][] = [
  ['deny all (the default spec)', [{ allow: false, access: 'rwm' }]],
  ['allow all', [{ allow: true, access: 'rwm' }]],
  ['allow list with partial access', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 183, access: 'r' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'rw' }]],
  ['deny list with wildcards', [{ allow: false, type: 'c', major: 1, access: 'w' }, { allow: false, type: 'b', minor: 3, access: 'm' }, { allow: false, type: 'a', major: 4, minor: 5, access: 'rwm' }]],
  ['a reset in the middle drops what came before', [{ allow: true, type: 'c', major: 1, minor: 1, access: 'rwm' }, { allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 1, access: 'rw' }]],
  ['300 rules (jump offsets stay local)', [{ allow: false, access: 'rwm' }, ...Array.from({ length: 300 }, (_, i) => ({ allow: i % 2 === 0, type: i % 3 === 0 ? 'b' : 'c', major: i, minor: i % 7 === 0 ? -1 : i, access: ['r', 'rw', 'm', 'rwm'][i % 4] }))]],
];

describe('device programs pass the kernel verifier', { skip: process.getuid?.() === 0 ? false : 'loading eBPF needs root' }, () => {
  for (const [name, rules] of [...RULE_SETS, ...clientRuleSets()]) {
    test(name, () => {
      const prog = deviceProgram(rules);
      assert.equal(prog.length % 8, 0);
      closeSync(loadDeviceProgram(prog));
    });
  }

  const v2 = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((d) => existsSync(`${d}/cgroup.controllers`));
  test('attached to a throwaway v2 cgroup', { skip: v2 ? false : 'no cgroup v2 hierarchy mounted' }, () => {
    const dir = `${v2}/tsrun-device-program-test-${process.pid}`;
    mkdirSync(dir);
    try {
      installDeviceProgram(dir, deviceProgram(RULE_SETS[2]![1]));
    } finally {
      rmdirSync(dir);
    }
  });

  test('a program the verifier refuses fails with the verifier\'s reason', () => {
    // No exit instruction: "last insn is not an exit or jmp"
    const bad = Buffer.alloc(8);
    bad.writeUInt8(0xb7, 0); // mov r0, 0
    assert.throws(() => loadDeviceProgram(bad), /linux\.resources\.devices: the kernel refused the device program \(bpf BPF_PROG_LOAD: EINVAL\): .*(exit|jmp)/);
  });
});
