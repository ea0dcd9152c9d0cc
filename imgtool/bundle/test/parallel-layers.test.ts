// Layers extracted in parallel (each without its lowers, settled against them afterwards) must give
// the very same layer directories as layers extracted in order: compared directory by directory in
// the cache, for the cases that depend on a lower layer: directories a layer implies without listing
// them (metadata from below), one it implies and lists later (its own metadata, plus the xattrs from
// below it does not set), the root with and without its own entry, and a hardlink to a lower file
// (extracted again in order). Needs root (owners, trusted xattrs of overlay layers).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { unpackImage } from '../index.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { removeBundlesQuietly } from '../../test/remove-bundles.ts';
import { makeTar, type TestEntry } from '../../test/tar-writer.ts';
import { diffTrees, snapshotTree } from '../../test/tree-snapshot.ts';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'tsimg-parallel-'));
const bundles: string[] = [];
after(() => {
  removeBundlesQuietly(bundles);
  rmSync(dir, { recursive: true, force: true });
});

const layers: TestEntry[][] = [
  [
    { name: './', type: 'dir', mode: 0o711, xattrs: { 'user.r1': '1' } },
    { name: 'a/', type: 'dir', mode: 0o750, uid: 1000, gid: 1000, xattrs: { 'user.note': 'lower' } },
    { name: 'b/', type: 'dir', mode: 0o700, uid: 2000, gid: 2000, xattrs: { 'user.b': '1' } },
    { name: 'c/', type: 'dir' },
    { name: 'c/d/', type: 'dir', mode: 0o701, uid: 3, gid: 3 },
    { name: 'link-target', body: 'shared inode' },
  ],
  [
    { name: 'a/file', body: 'a is implied here' },
    { name: 'b/x', body: 'b is implied, then listed' },
    { name: 'b/', type: 'dir', mode: 0o755, uid: 5, gid: 5, xattrs: { 'user.own': '2' } },
    { name: 'c/d/e/f', body: 'c and c/d from below, c/d/e new' },
    { name: 'c/.wh.gone' },
  ],
  [
    { name: './', type: 'dir', mode: 0o755, uid: 7, gid: 7, xattrs: { 'user.root': '3' } },
    { name: 'a/file2', body: 'a implied again' },
    { name: 'hl', type: 'hardlink', linkname: 'link-target' },
  ],
];

async function unpackWith(jobs: number): Promise<{ store: string; bundle: string }> {
  const store = join(dir, `store-${jobs}`);
  writeLayout(store, [{ tag: 'img', layers: layers.map((l) => makeTar(l)) }]);
  const bundle = join(dir, `bundle-${jobs}`);
  bundles.push(bundle);
  const result = await unpackImage({ storeRoot: store, image: 'img', bundle, overlay: true, jobs, warn: () => {} });
  assert.equal(result.layersExtracted, 3);
  return { store, bundle };
}

test('layers extracted in parallel equal layers extracted in order, layer by layer', { skip: !isRoot && 'needs root' }, async () => {
  const inOrder = await unpackWith(1);
  const parallel = await unpackWith(3);
  const cache = (store: string) => join(store, 'layers', 'sha256');
  const names = readdirSync(cache(inOrder.store)).sort();
  assert.deepEqual(readdirSync(cache(parallel.store)).sort(), names);
  // A whiteout (0:0 character device) is made when its layer is extracted and has no time of its
  // own in the layer: its mtime is when the run happened, not part of the result.
  const layerTree = (path: string) => new Map([...snapshotTree(path)].map(([k, v]) => [k, /^char \d+ 0:0 rdev=0 /.test(v) ? v.replace(/ mtime=\d+/, '') : v]));
  for (const name of names) {
    const diffs = diffTrees(layerTree(join(cache(inOrder.store), name)), layerTree(join(cache(parallel.store), name)), 'in order', 'parallel');
    assert.deepEqual(diffs, [], `layer ${name} differs:\n${diffs.join('\n')}`);
  }
  const merged = snapshotTree(join(parallel.bundle, 'rootfs'));
  assert.deepEqual(diffTrees(snapshotTree(join(inOrder.bundle, 'rootfs')), merged, 'in order', 'parallel'), []);
  // What the cases are meant to produce, seen through the overlay.
  assert.match(merged.get('a')!, /^dir 750 1000:1000 xattrs=user.note=/);
  assert.match(merged.get('b')!, /^dir 755 5:5 xattrs=user.b=31,user.own=32$/);
  assert.match(merged.get('c/d')!, /^dir 701 3:3$/);
  assert.match(merged.get('c/d/e')!, /^dir 755 0:0$/);
  assert.match(merged.get('.')!, /^dir 755 7:7 xattrs=user.r1=31,user.root=33$/);
  assert.match(merged.get('hl')!, /links=hl\|link-target/);
});
