// Bad input through the CLI (imgtool/cli/main.ts): a clear one-line message, a
// non-zero exit, and nothing left behind: no bundle directory, no mount, no cache entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isMountPoint } from '../../bundle/overlay-mount.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { makeTar } from '../../test/tar-writer.ts';

const isRoot = process.getuid?.() === 0;
const main = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');
let dir: string;
let store: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsimg-badinput-'));
  store = join(dir, 'store');
  // A distinct layer per image: blobs are content-addressed, and a corrupted one must not be shared.
  const good = (tag: string) => makeTar([{ name: 'etc/', type: 'dir' }, { name: 'etc/hostname', body: tag }]);
  // 256 MiB of zeros compress to about 256 KiB: a small bomb, enough against --max-layer-size 64M.
  const bombTar = makeTar([{ name: 'zeros', body: Buffer.alloc(256 * 1024 * 1024) }]);
  writeLayout(store, [
    { tag: 'wrong-diffid', layers: [good('wrong-diffid')], diffIDs: [`sha256:${'0'.repeat(64)}`] },
    { tag: 'corrupt-blob', layers: [good('corrupt-blob')], corruptBlobs: [Buffer.from('this is not what was pulled')] },
    { tag: 'garbage-tar', layers: [Buffer.from('x'.repeat(4096))] },
    { tag: 'truncated-gzip', layers: [good('truncated')], corruptBlobs: [gzipSync(good('truncated')).subarray(0, 40)] },
    { tag: 'bomb', layers: [bombTar] },
  ]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function unpack(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', main, 'unpack', '--root', store, ...args], { encoding: 'utf8' });
}

const cases: { image: string; extra?: string[]; message: RegExp }[] = [
  { image: 'no-such-image', message: /image "no-such-image" is not in the store at .*; pull it first/ },
  { image: 'wrong-diffid', message: /layer sha256:[0-9a-f]{64}: its uncompressed content has digest sha256:[0-9a-f]{64}, but the image config's diff_ids says sha256:0{64} \(the blob is corrupt/ },
  { image: 'corrupt-blob', message: /layer sha256:[0-9a-f]{64}: not a tar archive: 27 bytes, shorter than one tar header/ },
  { image: 'garbage-tar', message: /layer sha256:[0-9a-f]{64}: not a tar archive/ },
  { image: 'truncated-gzip', message: /layer sha256:[0-9a-f]{64}: cannot be decompressed: unexpected end of file/ },
  { image: 'bomb', extra: ['--max-layer-size', String(64 * 1024 * 1024)], message: /layer sha256:[0-9a-f]{64}: expands beyond 67108864 bytes uncompressed, refused as a decompression bomb/ },
  { image: 'wrong-diffid', extra: ['--jobs', '0'], message: /--jobs 0: expected a whole number of at least 1/ },
];

for (const overlay of [false, true]) {
  for (const c of cases) {
    test(`${overlay ? 'overlay' : 'copy'}: ${[c.image, ...(c.extra ?? [])].join(' ')} fails cleanly`, { skip: !isRoot && 'needs root' }, () => {
      const bundle = join(dir, `bundle-${c.image}-${overlay}`);
      const r = unpack(overlay ? '--overlay' : '--no-overlay', ...(c.extra ?? []), c.image, bundle);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(bundle), false, 'no bundle directory');
      assert.equal(isMountPoint(join(bundle, 'rootfs')), false, 'no mount');
      if (existsSync(join(store, 'layers'))) {
        assert.deepEqual(readdirSync(join(store, 'layers', 'tmp')), [], 'no partial layer');
        assert.deepEqual(readdirSync(join(store, 'layers', 'sha256')), [], 'no cache entry');
      }
    });
  }
}
