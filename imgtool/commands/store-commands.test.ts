/**
 * images, inspect, tag, rm and gc on a store holding images built here from busybox-static; skopeo checks
 * the results where a user would (the store stays an OCI layout it can read).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BuiltImages, buildTestImages } from '../test/build-image.ts';
import { runTsimg } from '../test/run-tsimg.ts';
import { skopeoInspect } from '../test/skopeo.ts';
import { treeSnapshot } from '../test/store-snapshot.ts';

describe('store commands', () => {
  let work: string;
  let store: string;
  let images: BuiltImages;
  const tsimg = (args: string[]) => runTsimg(['--root', store, ...args]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsimg-store-test-'));
    store = join(work, 'store');
    images = await buildTestImages(store);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('images lists names with digest, platform and size', async () => {
    const result = await tsimg(['images', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as { name: string; digest: string; size: number }[];
    const oci = rows.find((r) => r.name === 'oci');
    assert.equal(oci?.digest, images.oci.manifest.digest);
    assert.equal(oci?.size, images.oci.manifest.size + images.oci.config.size + images.oci.layers.reduce((n, l) => n + l.size, 0));
    assert.ok(rows.some((r) => r.name === 'multi' && r.digest === images.index.digest));
  });

  test('inspect shows config and history; --raw prints the stored manifest bytes', async () => {
    const result = await tsimg(['inspect', 'oci']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.deepEqual(summary.config.Cmd, ['/bin/sh']);
    assert.equal(summary.platform, 'linux/amd64');
    assert.equal(summary.history.length, 3);
    const raw = await tsimg(['inspect', '--raw', 'oci']);
    assert.equal(raw.stdout, readFileSync(join(store, 'blobs/sha256', images.oci.manifest.digest.slice(7)), 'utf8'));
    const missing = await tsimg(['inspect', 'nothing:here']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tsimg: no image "nothing:here" in the store .* \(tsimg images lists what is there\)\n$/);
  });

  test('concurrent tags from separate processes all land in index.json', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `example.com/team/app:v${i}`);
    const results = await Promise.all(names.map((n) => tsimg(['tag', 'oci', n])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    for (const n of names) assert.equal((await skopeoInspect(`oci:${store}:${n}`)).Digest, images.oci.manifest.digest);
  });

  test('concurrent tags past a lock its dead owner left: one takes it over, all land', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(join(store, 'index.json.lock'), String(dead.pid));
    const names = Array.from({ length: 8 }, (_, i) => `example.com/team/stale:v${i}`);
    const results = await Promise.all(names.map((n) => tsimg(['tag', 'oci', n])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    for (const n of names) assert.equal((await skopeoInspect(`oci:${store}:${n}`)).Digest, images.oci.manifest.digest);
    assert.equal(existsSync(join(store, 'index.json.lock')), false);
    assert.equal(existsSync(join(store, 'index.json.lock.takeover')), false);
    assert.equal((await tsimg(['rm', ...names])).code, 0);
  });

  test('rm removes names, gc then removes only the blobs no name reaches', async () => {
    const names = ['oci', ...Array.from({ length: 8 }, (_, i) => `example.com/team/app:v${i}`)];
    const removed = await tsimg(['rm', ...names]);
    assert.equal(removed.code, 0, removed.stderr);
    const gc = await tsimg(['gc', '--format', 'json']);
    assert.equal(gc.code, 0, gc.stderr);
    // The amd64 image is still reached through "multi"; nothing of it may go.
    assert.deepEqual(JSON.parse(gc.stdout).removed, []);
    await tsimg(['rm', 'multi']);
    const second = await tsimg(['gc', '--format', 'json']);
    const gone = JSON.parse(second.stdout).removed as string[];
    const all = [images.index, images.amd64.manifest, images.amd64.config, ...images.amd64.layers, images.arm64.manifest, images.arm64.config, ...images.arm64.layers].map((d) => d.digest);
    assert.deepEqual([...gone].sort(), [...new Set(all)].sort());
    for (const d of all) assert.equal(existsSync(join(store, 'blobs/sha256', d.slice(7))), false);
    assert.deepEqual(Object.keys(treeSnapshot(store)).sort(), ['index.json', 'oci-layout']);
  });

  test('bad input exits non-zero with one line', async () => {
    const bad = await tsimg(['tag', 'multi', 'Not/Valid']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /tsimg: (no image "multi"|invalid image reference "Not\/Valid")/);
    const usage = await tsimg(['frobnicate']);
    assert.equal(usage.code, 2);
  });
});
