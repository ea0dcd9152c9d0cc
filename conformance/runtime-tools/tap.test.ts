import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, parseTap } from './tap.ts';

test('counts ok, not ok and SKIP, ignoring YAML diagnostics with JSON in them', () => {
  const out = [
    'TAP version 13',
    'ok 1 - root filesystem',
    'not ok 2 - hostname',
    '  ---',
    '  { "expected": "a", "actual": "b" }',
    '  ok 99 - not a real line',
    '  ...',
    'ok 3 # SKIP no hugetlb',
    '1..3',
  ].join('\n');
  const c = parseTap(out);
  assert.deepEqual([c.passed, c.failed, c.skipped, c.planned], [1, 1, 1, 3]);
  assert.deepEqual(c.failures, ['hostname']);
});

test('a failure reported only as an error message counts as a failure', () => {
  const j = judge('TAP version 13\n', 'runtime create failed: exit status 1\n', 1, false);
  assert.equal(j.failed, 1);
  assert.match(j.failures[0]!, /exit 1: runtime create failed/);
});

test('an unfinished plan and a time-out are failures', () => {
  assert.equal(judge('ok 1\n1..3\n', '', 0, false).failed, 2);
  assert.equal(judge('ok 1\n', '', null, true).failed, 1);
  assert.equal(judge('ok 1\nok 2\n1..2\n', '', 0, false).failed, 0);
});

test('a plan of 1..0, or no TAP at all, that exits 0 passes; exiting non-zero fails', () => {
  assert.equal(judge('TAP version 13\n1..0\n', 'failed to create the container\n', 0, false).failed, 0);
  assert.equal(judge('', 'failed to create the container\n', 0, false).failed, 0);
  assert.equal(judge('', 'the runtime MUST generate an error\n', 1, false).failed, 1);
});
