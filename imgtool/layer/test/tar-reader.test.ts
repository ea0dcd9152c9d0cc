// The tar parser against GNU tar as the oracle: the same entries whatever the chunking of the
// input, names and link targets as `tar -t` lists them, and binary xattrs from GNU tar's own PAX
// records byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lsetxattr } from '../native-fs.ts';
import { TarParser, type TarEntry } from '../tar-reader.ts';
import { CAP_VALUE, richLayers } from '../../test/rich-image.ts';

function parse(tar: Buffer, chunk: number): { entries: TarEntry[]; bodies: string[] } {
  const entries: TarEntry[] = [];
  const bodies: string[] = [];
  let body: Buffer[] = [];
  const parser = new TarParser({
    entry: (e) => { entries.push(e); body = []; },
    data: (c) => body.push(Buffer.from(c)),
    entryEnd: () => bodies.push(Buffer.concat(body).toString('hex')),
  });
  for (let i = 0; i < tar.length; i += chunk) parser.push(tar.subarray(i, i + chunk));
  parser.end();
  return { entries, bodies };
}

test('entries and bodies do not depend on how the stream is chunked', () => {
  for (const tar of richLayers()) {
    const whole = parse(tar, tar.length);
    for (const size of [1, 7, 511, 512, 513, 4096]) assert.deepEqual(parse(tar, size), whole, `chunks of ${size}`);
  }
});

test('names and link targets match what GNU tar lists', () => {
  const tar = richLayers()[0]!;
  const listed = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(parse(tar, 65536).entries.map((e) => e.name), listed);
});

test('a binary security.capability written by GNU tar --xattrs comes back byte for byte', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsimg-tar-'));
  try {
    writeFileSync(join(dir, 'ping'), 'x');
    lsetxattr(join(dir, 'ping'), 'security.capability', CAP_VALUE);
    const tar = execFileSync('tar', ['-C', dir, '--xattrs', '--xattrs-include=*', '--format=posix', '-cf', '-', 'ping']);
    const [entry] = parse(tar, 100).entries;
    assert.equal(entry?.xattrs.get('security.capability')?.toString('hex'), CAP_VALUE.toString('hex'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stream that is not tar is refused at its first header', () => {
  assert.throws(() => parse(Buffer.alloc(1024, 'x'), 1024), /not a tar archive: bad header checksum at byte 0/);
});
