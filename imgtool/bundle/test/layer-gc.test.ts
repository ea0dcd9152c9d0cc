// tsimg gc and the layer cache: a cached layer goes once no stored image needs it and no bundle
// (mounted overlay) or unpack in progress (its in-use mark) uses it. Needs root (overlay mounts).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { removeBundle, unpackImage } from '../index.ts';
import { layerCacheDir } from '../layer-cache.ts';
import { markLayersInUse } from '../layer-use.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { removeBundlesQuietly } from '../../test/remove-bundles.ts';
import { runTsimg } from '../../test/run-tsimg.ts';
import { makeTar } from '../../test/tar-writer.ts';

const isRoot = process.getuid?.() === 0;
let dir: string;
let store: string;
const bundles: string[] = [];
const cached = () => readdirSync(join(layerCacheDir(store), 'sha256')).sort();
const gc = async () => {
  const r = await runTsimg(['--root', store, 'gc', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { layers: { removed: string[] } }).layers.removed.sort();
};

before(() => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), 'tsimg-layer-gc-'));
  store = join(dir, 'store');
  // a and b share their bottom layer; each has a top layer of its own.
  const base = makeTar([{ name: 'etc/', type: 'dir' }, { name: 'etc/os', body: 'base' }]);
  const top = (n: string) => makeTar([{ name: `${n}/`, type: 'dir' }, { name: `${n}/file`, body: n }]);
  writeLayout(store, [{ tag: 'a', layers: [base, top('a')] }, { tag: 'b', layers: [base, top('b')] }]);
});

after(() => {
  if (!dir) return;
  removeBundlesQuietly(bundles);
  rmSync(dir, { recursive: true, force: true });
});

async function unpack(image: string): Promise<string> {
  const bundle = join(dir, `bundle-${image}-${bundles.length}`);
  bundles.push(bundle);
  await unpackImage({ storeRoot: store, image, bundle, overlay: true, warn: () => {} });
  return bundle;
}

test('gc keeps the layers of named images and of mounted bundles, and removes the rest', { skip: !isRoot && 'needs root' }, async () => {
  await unpack('a');
  const bundleB = await unpack('b');
  const all = cached();
  assert.equal(all.length, 3, 'a shared bottom layer and two tops');
  assert.deepEqual(await gc(), [], 'both images are named');

  assert.equal((await runTsimg(['--root', store, 'rm', 'b'])).code, 0);
  assert.deepEqual(await gc(), [], "b's bundle is mounted: its layers stay");

  removeBundle(bundleB);
  const removed = await gc();
  assert.equal(removed.length, 1, 'only the top layer of b goes; the bottom one is also a\'s');
  assert.deepEqual(cached(), all.filter((d) => !removed.includes(d)));

  // With no name left, a's mounted bundle is what keeps its layers.
  assert.equal((await runTsimg(['--root', store, 'rm', 'a'])).code, 0);
  assert.deepEqual(await gc(), []);
  assert.equal(existsSync(join(bundles[0]!, 'rootfs', 'a', 'file')), true, 'the bundle still reads its layers');
});

test('an unpack in progress keeps the layers it marked; temp dirs of dead extractions go', { skip: !isRoot && 'needs root' }, async () => {
  const layers = layerCacheDir(store);
  removeBundle(bundles[0]!);
  const left = cached().map((name) => join(layers, 'sha256', name));
  assert.ok(left.length > 0);
  const release = await markLayersInUse(layers, left);
  const deadTemp = join(layers, 'tmp', 'abcdef012345-999999999-00000000');
  const liveTemp = join(layers, 'tmp', `abcdef012345-${process.pid}-00000000`);
  mkdirSync(deadTemp, { recursive: true });
  mkdirSync(liveTemp, { recursive: true });
  assert.deepEqual(await gc(), [], 'marked by a live process');
  assert.equal(existsSync(deadTemp), false);
  assert.equal(existsSync(liveTemp), true);
  release();
  assert.equal((await gc()).length, left.length, 'released: nothing uses them any more');
  assert.deepEqual(cached(), []);
  rmSync(liveTemp, { recursive: true });
});

test('a store named by a relative --root at unpack and an absolute one at gc is the same store: mounted layers stay', { skip: !isRoot && 'needs root' }, async () => {
  const store2 = join(dir, 'store2');
  writeLayout(store2, [{ tag: 'c', layers: [makeTar([{ name: 'c/', type: 'dir' }, { name: 'c/file', body: 'c' }])] }]);
  const bundle = join(dir, 'bundle-relative');
  bundles.push(bundle);
  const unpacked = await runTsimg(['--root', 'store2', 'unpack', '--overlay', 'c', bundle], {}, undefined, dir);
  assert.equal(unpacked.code, 0, unpacked.stderr);
  assert.equal((await runTsimg(['--root', './store2', 'rm', 'c'], {}, undefined, dir)).code, 0);
  const r = await runTsimg(['--root', store2, 'gc', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as { layers: { removed: string[] } }).layers.removed, [], 'the mounted bundle keeps its layer');
  assert.equal(existsSync(join(bundle, 'rootfs', 'c', 'file')), true, 'and still reads it');
});
