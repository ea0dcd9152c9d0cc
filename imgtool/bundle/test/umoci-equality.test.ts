// Tree equality with umoci (Debian's umoci, the reference unpacker) for an image that holds every
// layer case; both our copy bundle and our overlay bundle must match it. Needs root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { unpackImage } from '../index.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { removeBundlesQuietly } from '../../test/remove-bundles.ts';
import { richLayers } from '../../test/rich-image.ts';
import { diffTrees, snapshotTree } from '../../test/tree-snapshot.ts';

const isRoot = process.getuid?.() === 0;
let dir: string;
let layout: string;
let reference: Map<string, string>;

before(() => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), 'tsimg-umoci-'));
  layout = join(dir, 'layout');
  // Debian's umoci reads gzip and plain layers only; our copy unpack reads the zstd twin of the image.
  writeLayout(layout, [
    { tag: 'rich', layers: richLayers(), compression: ['gzip', 'none', 'gzip'] },
    { tag: 'rich-zstd', layers: richLayers(), compression: ['zstd', 'zstd', 'zstd'] },
  ]);
  execFileSync('umoci', ['unpack', '--image', `${layout}:rich`, join(dir, 'umoci-bundle')], { stdio: 'pipe' });
  reference = snapshotTree(join(dir, 'umoci-bundle', 'rootfs'));
});

after(() => {
  if (!dir) return;
  removeBundlesQuietly(['ours-overlay', 'ours-copy', 'ours-mapped', 'ours-parallel', 'ours-mapped-overlay'].map((b) => join(dir, b)));
  rmSync(dir, { recursive: true, force: true });
});

for (const overlay of [false, true]) {
  test(`the ${overlay ? 'overlay' : 'copy'} rootfs matches umoci's`, { skip: !isRoot && 'needs root' }, async () => {
    const bundle = join(dir, overlay ? 'ours-overlay' : 'ours-copy');
    await unpackImage({ storeRoot: layout, image: overlay ? 'rich' : 'rich-zstd', bundle, overlay, warn: () => {} });
    const ours = snapshotTree(join(bundle, 'rootfs'));
    // The fixture is meant to exercise these; if umoci lost any of them the comparison proves less.
    assert.match(reference.get('bin/ping') ?? '', /security\.capability=0100000280/);
    assert.match(reference.get('data/keep') ?? '', /links=data\/keep\|data\/keep-link/);
    assert.equal(reference.has('data/gone/back'), true);
    assert.equal(reference.has('opq/old1'), false);
    const diffs = diffTrees(reference, ours, 'umoci', 'tsimg');
    assert.deepEqual(diffs, [], `trees differ:\n${diffs.join('\n')}`);
  });
}

// The layers extracted at once on worker threads, each without the layers below, and settled
// against them afterwards (a store of its own, so that nothing is cached yet).
test('the overlay rootfs matches umoci\'s when the layers are extracted in parallel', { skip: !isRoot && 'needs root' }, async () => {
  const store = join(dir, 'layout-parallel');
  writeLayout(store, [{ tag: 'rich', layers: richLayers(), compression: ['gzip', 'none', 'gzip'] }]);
  const bundle = join(dir, 'ours-parallel');
  const result = await unpackImage({ storeRoot: store, image: 'rich', bundle, overlay: true, jobs: 3, warn: () => {} });
  assert.equal(result.layersExtracted, 3);
  const diffs = diffTrees(reference, snapshotTree(join(bundle, 'rootfs')), 'umoci', 'tsimg');
  assert.deepEqual(diffs, [], `trees differ:\n${diffs.join('\n')}`);
});

// Mapped layers are cached apart from the unmapped ones (the owners on disk differ), keyed by
// ChainID and the maps; the overlay bundle of the image unmapped (above) keeps its own layers.
for (const overlay of [false, true]) {
  test(`with --uid-map/--gid-map the ${overlay ? 'overlay' : 'copy'} rootfs matches umoci unpack with the same maps`, { skip: !isRoot && 'needs root' }, async () => {
    const umociMapped = join(dir, 'umoci-mapped');
    if (!existsSync(umociMapped)) {
      const maps = ['--uid-map', '0:100000:65536', '--gid-map', '0:200000:65536'];
      execFileSync('umoci', ['unpack', ...maps, '--image', `${layout}:rich`, umociMapped], { stdio: 'pipe' });
    }
    const bundle = join(dir, overlay ? 'ours-mapped-overlay' : 'ours-mapped');
    const range = (host: number) => [{ container: 0, host, size: 65536 }];
    const result = await unpackImage({ storeRoot: layout, image: 'rich', bundle, overlay, uidMap: range(100000), gidMap: range(200000), warn: () => {} });
    assert.equal(result.mode, overlay ? 'overlay' : 'copy');
    const theirs = snapshotTree(join(umociMapped, 'rootfs'));
    const ours = snapshotTree(join(bundle, 'rootfs'));
    assert.match(ours.get('home/alice') ?? '', / 101000:201000/, 'owners are shifted by the maps');
    const diffs = diffTrees(theirs, ours, 'umoci', 'tsimg');
    assert.deepEqual(diffs, [], `trees differ:\n${diffs.join('\n')}`);
    if (overlay) {
      const cache = readdirSync(join(layout, 'layers', 'sha256'));
      assert.equal(cache.filter((d) => /^[0-9a-f]{64}-map-[0-9a-f]{16}$/.test(d)).length, 3, 'three mapped layers cached beside the unmapped ones');
      assert.equal(cache.filter((d) => /^[0-9a-f]{64}$/.test(d)).length, 3);
    }
  });
}
