// Hostile layers: each escape attempt must fail with an error naming the layer and the entry,
// leave a canary directory outside the bundle untouched, and leave no bundle and no partial layer
// in the cache. Runs in copy and in overlay mode. Needs root (overlay, device nodes).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { unpackImage } from '../index.ts';
import { isMountPoint } from '../overlay-mount.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { makeTar, type TestEntry } from '../../test/tar-writer.ts';
import { snapshotTree } from '../../test/tree-snapshot.ts';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'tsimg-hostile-'));
const canary = join(dir, 'canary');

before(() => {
  mkdirSync(canary);
  writeFileSync(join(canary, 'canary'), 'untouched');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const base: TestEntry[] = [{ name: 'd/', type: 'dir' }, { name: 'd/file', body: 'x' }, { name: 'etc/', type: 'dir' }];

/** Each case: the layers (the last one is the hostile one) and the entry name the error must show. */
const cases: { name: string; layers: () => TestEntry[][]; entry: string }[] = [
  { name: '../ in a name', layers: () => [base, [{ name: '../../../../../../../../tmp/escaped', body: 'x' }]], entry: '../../../../../../../../tmp/escaped' },
  { name: 'an absolute name', layers: () => [base, [{ name: `${canary}/abs`, body: 'x' }]], entry: `${canary}/abs` },
  { name: 'a file written through a symlink to outside', layers: () => [base, [{ name: 'out', type: 'symlink', linkname: canary }, { name: 'out/pwned', body: 'x' }]], entry: 'out/pwned' },
  { name: 'a file written through a relative symlink climbing out', layers: () => [base, [{ name: 'up', type: 'symlink', linkname: '../../../../../../..' + canary }, { name: 'up/pwned', body: 'x' }]], entry: 'up/pwned' },
  { name: 'a hardlink to a file outside (../)', layers: () => [base, [{ name: 'hl', type: 'hardlink', linkname: `../../../../../../..${canary}/canary` }]], entry: 'hl' },
  { name: 'a hardlink to a file outside (absolute)', layers: () => [base, [{ name: 'hl', type: 'hardlink', linkname: `${canary}/canary` }]], entry: 'hl' },
  { name: 'a hardlink through a symlink', layers: () => [base, [{ name: 'out', type: 'symlink', linkname: canary }, { name: 'hl', type: 'hardlink', linkname: 'out/canary' }]], entry: 'hl' },
  { name: 'a directory replaced by a symlink in a later layer', layers: () => [base, [{ name: 'd', type: 'symlink', linkname: canary }], [{ name: 'd/pwned', body: 'x' }]], entry: 'd/pwned' },
  { name: 'a whiteout through a symlink', layers: () => [base, [{ name: 'out', type: 'symlink', linkname: canary }], [{ name: 'out/.wh.canary' }]], entry: 'out/.wh.canary' },
  { name: 'an opaque marker through a symlink', layers: () => [base, [{ name: 'out', type: 'symlink', linkname: canary }], [{ name: 'out/.wh..wh..opq' }]], entry: 'out/.wh..wh..opq' },
  { name: 'a bare .wh. whiteout', layers: () => [base, [{ name: 'd/.wh.' }]], entry: 'd/.wh.' },
];

// Overlay layers are also extracted in parallel (jobs 3), where refusals that depend on a lower
// layer are found when the layer is settled against them afterwards.
const modes = [{ name: 'copy', overlay: false, jobs: 1 }, { name: 'overlay', overlay: true, jobs: 1 }, { name: 'overlay, parallel', overlay: true, jobs: 3 }];
for (const { name, overlay, jobs } of modes) {
  for (const c of cases) {
    test(`${name}: ${c.name} is refused`, { skip: !isRoot && 'needs root' }, async () => {
      const tag = `${name.replace(/\W+/g, '-')}-${cases.indexOf(c)}`;
      const store = join(dir, `store-${tag}`);
      const layers = c.layers().map((entries) => makeTar(entries));
      writeLayout(store, [{ tag, layers }]);
      const before = snapshotTree(canary);
      const bundle = join(dir, `bundle-${tag}`);
      const hostileBlob = /sha256:[0-9a-f]{64}/;
      await assert.rejects(unpackImage({ storeRoot: store, image: tag, bundle, overlay, jobs, warn: () => {} }), (err: Error) => {
        assert.ok(err.message.includes(JSON.stringify(c.entry)), `the error names the entry: ${err.message}`);
        assert.match(err.message, hostileBlob, 'the error names the layer');
        return true;
      });
      assert.deepEqual(snapshotTree(canary), before, 'the canary directory is untouched');
      assert.equal(existsSync(bundle), false, 'no bundle directory is left');
      assert.equal(existsSync('/tmp/escaped'), false);
      if (overlay) {
        assert.equal(isMountPoint(join(bundle, 'rootfs')), false);
        assert.deepEqual(readdirSync(join(store, 'layers', 'tmp')), [], 'no partial layer in the cache');
        assert.ok(readdirSync(join(store, 'layers', 'sha256')).length < layers.length, 'the hostile layer is not cached');
      }
    });
  }
}
