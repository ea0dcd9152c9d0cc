/**
 * tsimg push to Debian's docker-registry (open, basic, token): monolithic and chunked uploads, an index
 * with two platforms, the existence check on a second push, a cross-repository mount; skopeo reads the
 * pushed images from the registry and tsimg pulls them back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BuiltImages, buildTestImages } from '../test/build-image.ts';
import { type AuthMode, type TestRegistry, startRegistry } from '../test/registry-server.ts';
import { runTsimg } from '../test/run-tsimg.ts';
import { skopeo, skopeoInspect } from '../test/skopeo.ts';

for (const mode of ['open', 'basic', 'token'] as AuthMode[]) {
  describe(`push to a registry with ${mode} access`, () => {
    let registry: TestRegistry;
    let work: string;
    let images: BuiltImages;
    let env: Record<string, string>;
    const creds = () => (mode === 'open' ? [] : ['--creds', `${registry.username}:${registry.password}`]);
    const tsimg = (store: string, args: string[]) => runTsimg(['--root', join(work, store), ...args], env);

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'tsimg-push-test-'));
      images = await buildTestImages(join(work, 'store'));
      registry = await startRegistry(mode);
      env = { REGISTRY_AUTH_FILE: join(work, 'auth.json'), XDG_CONFIG_HOME: join(work, 'cfg'), DOCKER_CONFIG: join(work, 'docker') };
      const auth = mode === 'open' ? {} : { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } };
      writeFileSync(env.REGISTRY_AUTH_FILE!, JSON.stringify({ auths: auth }));
    });
    after(async () => {
      await registry?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('a monolithic push of an image and a chunked push of an index; skopeo reads both back', async () => {
      const one = await tsimg('store', ['push', '--format', 'json', 'oci', `${registry.host}/pushed/oci:1`]);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(JSON.parse(one.stdout).blobs.map((b: { how: string }) => b.how), ['uploaded', 'uploaded', 'uploaded', 'uploaded']);
      const inspected = await skopeoInspect(`docker://${registry.host}/pushed/oci:1`, false, creds());
      assert.equal(inspected.Digest, images.oci.manifest.digest);
      assert.deepEqual(inspected.Layers, images.oci.layers.map((l) => l.digest));

      const many = await tsimg('store', ['push', '--chunk-size', '65536', 'multi', `${registry.host}/pushed/multi:1`]);
      assert.equal(many.code, 0, many.stderr);
      const raw = await skopeoInspect(`docker://${registry.host}/pushed/multi:1`, true, creds());
      assert.deepEqual((raw.manifests as { digest: string }[]).map((m) => m.digest), [images.amd64.manifest.digest, images.arm64.manifest.digest]);
      const arm = await skopeoInspect(`docker://${registry.host}/pushed/multi:1`, false, [...creds(), '--override-arch', 'arm64']);
      assert.deepEqual(arm.Layers, images.arm64.layers.map((l) => l.digest));
    });

    test('pushing again only checks existence; another repository gets the blobs by mount', async () => {
      const again = await tsimg('store', ['push', '--format', 'json', 'oci', `${registry.host}/pushed/oci:1`]);
      assert.equal(again.code, 0, again.stderr);
      assert.ok(JSON.parse(again.stdout).blobs.every((b: { how: string }) => b.how === 'exists'));

      const pulled = await tsimg('store2', ['pull', `${registry.host}/pushed/oci:1`]);
      assert.equal(pulled.code, 0, pulled.stderr);
      const mounted = await tsimg('store2', ['push', '--format', 'json', `${registry.host}/pushed/oci:1`, `${registry.host}/other/copy:2`]);
      assert.equal(mounted.code, 0, mounted.stderr);
      assert.ok(JSON.parse(mounted.stdout).blobs.every((b: { how: string }) => b.how === 'mounted'), mounted.stdout);
      assert.equal((await skopeoInspect(`docker://${registry.host}/other/copy:2`, false, creds())).Digest, images.oci.manifest.digest);
    });

    if (mode === 'open') {
      test('registry to registry, Docker schema 2 manifests and lists go up as they are (same bytes, same digest)', async () => {
        const built = `oci:${join(work, 'store')}`;
        await skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', `${built}:oci`, `docker://${registry.host}/v2s2/src:1`]);
        await skopeo(['copy', '--all', '--format', 'v2s2', '--dest-tls-verify=false', `${built}:multi`, `docker://${registry.host}/v2s2/list:1`]);
        for (const [src, dst, extra] of [['v2s2/src:1', 'v2s2/dst:1', []], ['v2s2/list:1', 'v2s2/list-copy:1', ['--all-platforms']]] as const) {
          const copied = await tsimg('copy-store', ['copy', ...extra, `docker://${registry.host}/${src}`, `docker://${registry.host}/${dst}`]);
          assert.equal(copied.code, 0, copied.stderr);
          const [from, to] = [await skopeoInspect(`docker://${registry.host}/${src}`, true), await skopeoInspect(`docker://${registry.host}/${dst}`, true)];
          assert.match(String(to.mediaType), /^application\/vnd\.docker\.distribution\.manifest\.(v2|list\.v2)\+json$/);
          assert.deepEqual(to, from);
          assert.equal((await skopeoInspect(`docker://${registry.host}/${dst}`)).Digest, (await skopeoInspect(`docker://${registry.host}/${src}`)).Digest);
        }
      });
    }
  });
}
