/**
 * import, export and copy between the store, OCI layout directories, oci-archive and docker-archive tars
 * and a real docker-registry, each result read by skopeo, and skopeo's own archives read by tsimg.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tar from 'tar-stream';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type BuiltImages, buildTestImages } from '../test/build-image.ts';
import { writeLayout } from '../test/oci-layout-builder.ts';
import { type TestRegistry, startRegistry } from '../test/registry-server.ts';
import { runTsimg } from '../test/run-tsimg.ts';
import { skopeo, skopeoInspect } from '../test/skopeo.ts';
import { treeSnapshot } from '../test/store-snapshot.ts';

describe('import, export and copy', () => {
  let work: string;
  let built: string;
  let images: BuiltImages;
  let registry: TestRegistry;
  const tsimg = (store: string, args: string[]) => runTsimg(['--root', join(work, store), ...args], { XDG_CONFIG_HOME: join(work, 'cfg'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json') });
  const ok = async (store: string, args: string[]) => {
    const r = await tsimg(store, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsimg-copy-test-'));
    built = join(work, 'built');
    images = await buildTestImages(built);
    registry = await startRegistry('open');
  });
  after(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('a layout whose manifest or config the image-spec refuses: import and unpack name the blob and the JSON path, and the store is unchanged', async () => {
    const bad = join(work, 'bad-layout');
    writeLayout(bad, [{ tag: 'bad-config', layers: [Buffer.alloc(1024)], config: { Cmd: 'sh -c true' } }]);
    const configDigest = readdirSync(join(bad, 'blobs', 'sha256')).map((h) => `sha256:${h}`).find((d) => readFileSync(join(bad, 'blobs', 'sha256', d.slice(7)), 'utf8').includes('"rootfs"'))!;
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 1 }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:not-hex', size: 1 }] }));
    const manifestHex = createHash('sha256').update(manifest).digest('hex');
    writeFileSync(join(bad, 'blobs', 'sha256', manifestHex), manifest);
    const index = JSON.parse(readFileSync(join(bad, 'index.json'), 'utf8'));
    index.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestHex}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'bad-manifest' } });
    writeFileSync(join(bad, 'index.json'), JSON.stringify(index));

    await ok('clean-store', ['images']);
    const before = treeSnapshot(join(work, 'clean-store'));
    const config = await tsimg('clean-store', ['import', `oci:${bad}:bad-config`, 'example.com/bad:1']);
    assert.equal(config.code, 1);
    assert.match(config.stderr, new RegExp(`^tsimg: config ${configDigest} in ${bad}: config\\.Cmd: must be array or null\n$`));
    const man = await tsimg('clean-store', ['import', `oci:${bad}:bad-manifest`, 'example.com/bad:2']);
    assert.equal(man.code, 1);
    assert.match(man.stderr, new RegExp(`^tsimg: manifest sha256:${manifestHex} in ${bad}: layers\\[0\\]\\.digest: must be a digest`));
    assert.deepEqual(treeSnapshot(join(work, 'clean-store')), before);

    const unpack = await runTsimg(['--root', bad, 'unpack', '--no-overlay', 'bad-config', join(work, 'bad-bundle')], { XDG_CONFIG_HOME: join(work, 'cfg') });
    assert.equal(unpack.code, 1);
    assert.match(unpack.stderr, new RegExp(`the image config blob ${configDigest} in ${bad}: config\\.Cmd: must be array or null`));
    assert.equal(existsSync(join(work, 'bad-bundle')), false);
  });

  test('an OCI layout imported, then exported as an oci-archive that skopeo reads', async () => {
    await ok('store', ['import', `oci:${built}:oci`, 'example.com/a:1']);
    assert.equal((await skopeoInspect(`oci:${join(work, 'store')}:example.com/a:1`)).Digest, images.oci.manifest.digest);
    await ok('store', ['export', 'example.com/a:1', `oci-archive:${join(work, 'a.tar')}`]);
    assert.equal((await skopeoInspect(`oci-archive:${join(work, 'a.tar')}:example.com/a:1`)).Digest, images.oci.manifest.digest);
  });

  test('docker-archive both ways: skopeo reads ours, we read skopeo\'s', async () => {
    await ok('store', ['export', 'example.com/a:1', `docker-archive:${join(work, 'd.tar')}`]);
    // skopeo finds the image by the tag we wrote into manifest.json's RepoTags.
    const fromOurs = await skopeoInspect(`docker-archive:${join(work, 'd.tar')}:example.com/a:1`);
    assert.equal(fromOurs.Architecture, 'amd64');
    assert.equal((fromOurs.Layers as string[]).length, 3);
    await ok('store2', ['import', `docker-archive:${join(work, 'd.tar')}`]);
    const back = JSON.parse((await ok('store2', ['inspect', 'example.com/a:1'])).stdout);
    assert.deepEqual(back.config.Cmd, ['/bin/sh']);

    await skopeo(['copy', `oci:${built}:oci`, `docker-archive:${join(work, 's.tar')}:example.com/s:1`]);
    await ok('store2', ['import', `docker-archive:${join(work, 's.tar')}`]);
    const imported = JSON.parse((await ok('store2', ['inspect', 'example.com/s:1'])).stdout);
    assert.equal(imported.diffIds.length, 3);
    assert.deepEqual(imported.history.map((h: { created_by: string }) => h.created_by), ['busybox binary', 'symlinks', 'note tsimg']);
    // The copy still holds exactly the layer contents: skopeo reads it and reports the same diff_ids.
    await ok('store2', ['export', 'example.com/s:1', `oci:${join(work, 'layout-s')}:s`]);
    const layers = (await skopeoInspect(`oci:${join(work, 'layout-s')}:s`)).Layers as string[];
    assert.deepEqual(layers, imported.diffIds);
  });

  test('an oci-archive with an index, from skopeo, imported whole', async () => {
    await skopeo(['copy', '--all', `oci:${built}:multi`, `oci-archive:${join(work, 'm.tar')}:multi`]);
    await ok('store3', ['import', `oci-archive:${join(work, 'm.tar')}:multi`, 'example.com/multi:1']);
    const raw = await skopeoInspect(`oci:${join(work, 'store3')}:example.com/multi:1`, true);
    assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal((raw.manifests as unknown[]).length, 2);
  });

  test('copy between an OCI layout and a registry, both ways', async () => {
    await ok('store', ['copy', `oci:${built}:multi`, `docker://${registry.host}/copied/multi:1`]);
    const raw = await skopeoInspect(`docker://${registry.host}/copied/multi:1`, true);
    assert.deepEqual((raw.manifests as { digest: string }[]).map((m) => m.digest), [images.amd64.manifest.digest, images.arm64.manifest.digest]);
    await ok('store', ['copy', '--platform', 'linux/arm64', `docker://${registry.host}/copied/multi:1`, `oci:${join(work, 'out')}:arm`]);
    assert.equal((await skopeoInspect(`oci:${join(work, 'out')}:arm`)).Digest, images.arm64.manifest.digest);
  });

  test('archives that are not archives, or escape their directory, are refused and leave the store alone', async () => {
    const before = treeSnapshot(join(work, 'store'));
    writeFileSync(join(work, 'junk.tar'), 'this is not a tar file at all, just text that goes on'.repeat(20));
    const junk = await tsimg('store', ['import', `docker-archive:${join(work, 'junk.tar')}`, 'x:1']);
    assert.equal(junk.code, 1);
    assert.match(junk.stderr, /^tsimg: .*junk\.tar/);
    assert.equal(junk.stderr.trim().split('\n').length, 1);

    const pack = tar.pack();
    pack.entry({ name: '../../escape', size: 2 }, 'hi');
    pack.finalize();
    await pipeline(pack, createWriteStream(join(work, 'evil.tar')));
    const evil = await tsimg('store', ['import', `oci-archive:${join(work, 'evil.tar')}`, 'x:1']);
    assert.equal(evil.code, 1);
    assert.match(evil.stderr, /entry "\.\.\/\.\.\/escape" points outside the archive; refused/);
    assert.equal(existsSync(join(work, '..', 'escape')), false);
    assert.deepEqual(treeSnapshot(join(work, 'store')), before);
  });
});
