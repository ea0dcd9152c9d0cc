import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Op, encodePlan } from './plan-ops.ts';

test('the TypeScript opcode table and plan-ops.h agree, name for name', () => {
  const header = readFileSync(new URL('./plan-ops.h', import.meta.url), 'utf8');
  const fromC = Object.fromEntries([...header.matchAll(/OP_([A-Z_]+) = (\d+),/g)].map((m) => [m[1], Number(m[2])]));
  assert.deepEqual(fromC, { ...Op });
});

test('a plan encodes as length, magic, count, then op/argc/args', () => {
  const buf = encodePlan([{ op: Op.SETHOSTNAME, args: ['box'] }, { op: Op.UMASK, args: [0o22] }]);
  assert.equal(buf.readUInt32LE(0), buf.length - 4);
  assert.equal(buf.subarray(4, 8).toString(), 'TSP1');
  assert.equal(buf.readUInt32LE(8), 2);
  assert.equal(buf.readUInt16LE(12), Op.SETHOSTNAME);
  assert.equal(buf.readUInt16LE(14), 1);
  assert.equal(buf.readUInt32LE(16), 3);
  assert.equal(buf.subarray(20, 23).toString(), 'box');
  assert.equal(buf.readUInt16LE(23), Op.UMASK);
  assert.equal(buf.readUInt32LE(27), 8, 'numbers are 8 bytes');
  assert.equal(buf.readBigUInt64LE(31), 0o22n);
});
