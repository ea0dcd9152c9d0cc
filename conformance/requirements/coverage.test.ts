import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COVERAGE } from './coverage.ts';
import { checkNames, loadCatalogue } from './run-requirements.ts';

test('every covered requirement id exists in the catalogue, and every check it names exists', () => {
  const ids = new Set(loadCatalogue().map((r) => r.id));
  const names = new Set(checkNames());
  for (const [id, checks] of Object.entries(COVERAGE)) {
    assert.ok(ids.has(id), `unknown requirement id ${id}`);
    for (const c of checks) assert.ok(names.has(c), `${id} names a check that does not exist: ${c}`);
  }
});

test('catalogue ids are unique', () => {
  const ids = loadCatalogue().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
});
