import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capabilitySets, grantableCapabilities } from './capabilities.ts';

test('capability names become bit masks per set', () => {
  const sets = capabilitySets({ bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'] });
  assert.equal(sets.bounding, (1n << 0n) | (1n << 5n));
  assert.equal(sets.effective, 1n << 5n);
  assert.equal(sets.permitted, 0n);
  assert.deepEqual(sets.unknown, []);
});

test('a name capabilities(7) does not define is refused with its JSON path', () => {
  assert.throws(
    () => capabilitySets({ bounding: ['CAP_CHOWN'], ambient: ['CAP_KILL', 'CAP_TEST'] }, 'process.capabilities'),
    /process\.capabilities\.ambient\[1\]: "CAP_TEST" is not a Linux capability/,
  );
});

test('a real capability newer than the kernel is left out and reported, not refused', () => {
  // CAP_CHECKPOINT_RESTORE is 40; a 5.4 kernel's cap_last_cap is 39.
  const sets = capabilitySets({ bounding: ['CAP_CHOWN', 'CAP_CHECKPOINT_RESTORE'] }, 'process.capabilities', 39);
  assert.equal(sets.bounding, 1n);
  assert.deepEqual(sets.unknown, ['CAP_CHECKPOINT_RESTORE']);
});

test('a capability the runtime does not hold is left out of every set and reported, not refused', () => {
  const chownOnly = 1n; // tsrun's own bounding set: CAP_CHOWN alone
  const sets = capabilitySets({ bounding: ['CAP_CHOWN', 'CAP_SYS_RESOURCE'], permitted: ['CAP_SYS_RESOURCE'] }, 'process.capabilities', 40, chownOnly);
  assert.equal(sets.bounding, 1n);
  assert.equal(sets.permitted, 0n);
  assert.deepEqual(sets.ungrantable, ['CAP_SYS_RESOURCE']);
});

test('the runtime\'s own bounding set limits a process in its user namespace; a user namespace of its own is not limited', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caps-'));
  try {
    writeFileSync(join(dir, 'status'), 'Name:\tnode\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\n');
    assert.equal(grantableCapabilities(false, join(dir, 'status')), 0x1fffeffffffn);
    assert.equal(grantableCapabilities(true, join(dir, 'status')), (1n << 64n) - 1n);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
