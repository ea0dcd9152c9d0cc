import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitySets } from './capabilities.ts';

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
