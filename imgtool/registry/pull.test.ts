/**
 * tsimg pull against Debian's docker-registry, open, with htpasswd basic auth and with token auth: images
 * built here from busybox-static are pushed with skopeo (OCI index of two platforms, Docker schema 2),
 * pulled with the tsimg CLI, and read back with skopeo from tsimg's store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BuiltImages, buildTestImages } from '../test/build-image.ts';
import { type AuthMode, type TestRegistry, startRegistry } from '../test/registry-server.ts';
import { runTsimg } from '../test/run-tsimg.ts';
import { skopeo, skopeoInspect } from '../test/skopeo.ts';
import { treeSnapshot } from '../test/store-snapshot.ts';

for (const mode of ['open', 'basic', 'token'] as AuthMode[]) {
  describe(`pull from a registry with ${mode} access`, () => {
    let registry: TestRegistry;
    let work: string;
    let images: BuiltImages;
    let store: string;
    let env: Record<string, string>;
    const creds = () => (mode === 'open' ? [] : ['--dest-creds', `${registry.username}:${registry.password}`]);
    const tsimg = (args: string[], extraEnv: Record<string, string> = {}) => runTsimg(['--root', store, ...args], { ...env, ...extraEnv });

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'tsimg-pull-test-'));
      store = join(work, 'store');
      env = { REGISTRY_AUTH_FILE: join(work, 'auth.json'), XDG_CONFIG_HOME: join(work, 'config'), DOCKER_CONFIG: join(work, 'docker') };
      images = await buildTestImages(join(work, 'built'));
      registry = await startRegistry(mode);
      const built = `oci:${join(work, 'built')}`;
      await skopeo(['copy', '--all', '--dest-tls-verify=false', ...creds(), `${built}:multi`, `docker://${registry.host}/test/multi:1`]);
      await skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', ...creds(), `${built}:oci`, `docker://${registry.host}/test/docker-v2s2:1`]);
      if (mode !== 'open') {
        const login = await runTsimg(['login', registry.host, '-u', registry.username, '--password-stdin'], env, `${registry.password}\n`);
        assert.equal(login.code, 0, login.stderr);
      }
    });
    after(async () => {
      await registry?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('an index resolves to this machine\'s platform; skopeo reads the stored image and copies it out', async () => {
      const pulled = await tsimg(['pull', `${registry.host}/test/multi:1`]);
      assert.equal(pulled.code, 0, pulled.stderr);
      const name = `${registry.host}/test/multi:1`;
      const inspected = await skopeoInspect(`oci:${store}:${name}`);
      assert.equal(inspected.Digest, images.amd64.manifest.digest);
      assert.deepEqual(inspected.Layers, images.amd64.layers.map((l) => l.digest));
      assert.equal(inspected.Architecture, 'amd64');
      const out = join(work, 'copied-out');
      await skopeo(['copy', `oci:${store}:${name}`, `dir:${out}`]);
      for (const layer of images.amd64.layers) assert.ok(existsSync(join(out, layer.digest.slice(7))), `layer ${layer.digest} copied out`);
      assert.deepEqual(readdirSync(join(store, 'ingest')), [], 'no temp files stay in the store');
    });

    test('--platform picks another entry, --all-platforms keeps the index', async () => {
      const arm = await tsimg(['pull', '--platform', 'linux/arm64', '--format', 'json', `${registry.host}/test/multi:1`]);
      assert.equal(arm.code, 0, arm.stderr);
      assert.equal(JSON.parse(arm.stdout).descriptor.digest, images.arm64.manifest.digest);
      assert.equal((await skopeoInspect(`oci:${store}:${registry.host}/test/multi:1`)).Architecture, 'arm64');

      const all = await tsimg(['pull', '--all-platforms', `${registry.host}/test/multi:1`]);
      assert.equal(all.code, 0, all.stderr);
      const raw = await skopeoInspect(`oci:${store}:${registry.host}/test/multi:1`, true);
      assert.deepEqual((raw.manifests as { digest: string }[]).map((m) => m.digest), [images.amd64.manifest.digest, images.arm64.manifest.digest]);
      assert.equal(JSON.parse(readFileSync(join(store, 'index.json'), 'utf8')).manifests.filter((m: { digest: string }) => m.digest === images.index.digest).length, 1);

      const none = await tsimg(['pull', '--platform', 'linux/s390x', `${registry.host}/test/multi:1`]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no image for platform linux\/s390x; the index offers linux\/amd64, linux\/arm64\/v8/);
    });

    test('a Docker schema 2 image is stored with OCI media types, same layers and config', async () => {
      const pulled = await tsimg(['pull', '-q', `${registry.host}/test/docker-v2s2:1`]);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal(pulled.stdout, `${registry.host}/test/docker-v2s2:1\n`);
      const raw = await skopeoInspect(`oci:${store}:${registry.host}/test/docker-v2s2:1`, true);
      assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.deepEqual((raw.layers as { digest: string; mediaType: string }[]).map((l) => [l.digest, l.mediaType]), images.oci.layers.map((l) => [l.digest, 'application/vnd.oci.image.layer.v1.tar+gzip']));
      assert.equal((raw.config as { digest: string }).digest, images.oci.config.digest);
    });

    test('tsimg reads an OCI layout that skopeo wrote', async () => {
      const dir = join(work, 'skopeo-layout');
      await skopeo(['copy', '--src-tls-verify=false', ...(mode === 'open' ? [] : ['--src-creds', `${registry.username}:${registry.password}`]), `docker://${registry.host}/test/multi:1`, `oci:${dir}:from-skopeo`]);
      const inspected = await runTsimg(['--root', dir, 'inspect', 'from-skopeo'], env);
      assert.equal(inspected.code, 0, inspected.stderr);
      const summary = JSON.parse(inspected.stdout);
      assert.deepEqual(summary.layers.map((l: { digest: string }) => l.digest), images.amd64.layers.map((l) => l.digest));
      assert.deepEqual(summary.history.map((h: { created_by: string }) => h.created_by), ['busybox binary', 'symlinks', 'note tsimg']);
    });

    test('an unknown repository or tag names registry, repository, reference and status, and changes nothing', async () => {
      const before = treeSnapshot(store);
      for (const ref of ['test/nothing-here:1', 'test/multi:no-such-tag']) {
        const result = await tsimg(['pull', `${registry.host}/${ref}`]);
        assert.equal(result.code, 1);
        const [repo, tag] = ref.split(':');
        const lines = result.stderr.trim().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0]!, new RegExp(`^tsimg: .*${registry.host.replace(/\./g, '\\.')}/${repo}:${tag}.*HTTP (404|401)`));
      }
      assert.deepEqual(treeSnapshot(store), before);
    });

    if (mode !== 'open') {
      test('wrong credentials are refused with the registry named, and the store is unchanged', async () => {
        const before = treeSnapshot(store);
        const badAuth = join(work, 'bad-auth.json');
        writeFileSync(badAuth, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:wrong`).toString('base64') } } }));
        const result = await tsimg(['pull', `${registry.host}/test/multi:1`], { REGISTRY_AUTH_FILE: badAuth });
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`registry ${registry.host.replace(/\./g, '\\.')}.*(refused|HTTP 401)`));
        assert.deepEqual(treeSnapshot(store), before);
        const login = await runTsimg(['login', registry.host, '-u', registry.username, '-p', 'wrong'], { ...env, REGISTRY_AUTH_FILE: join(work, 'never.json') });
        assert.equal(login.code, 1);
        assert.equal(existsSync(join(work, 'never.json')), false, 'a failed login saves nothing');
      });
    }

    test('two pulls of the same image into one store at once both succeed and leave one clean copy', async () => {
      const shared = join(work, 'concurrent');
      const both = await Promise.all([0, 1].map(() => runTsimg(['--root', shared, 'pull', '-q', `${registry.host}/test/multi:1`], env)));
      for (const r of both) assert.equal(r.code, 0, r.stderr);
      assert.equal((await skopeoInspect(`oci:${shared}:${registry.host}/test/multi:1`)).Digest, images.amd64.manifest.digest);
      assert.equal(JSON.parse(readFileSync(join(shared, 'index.json'), 'utf8')).manifests.length, 1);
      assert.deepEqual(readdirSync(join(shared, 'ingest')), []);
    });

    if (mode !== 'open') {
      test("credentials from docker's config.json are used, and logout forgets tsimg's", async () => {
        const dockerDir = join(work, 'docker-only');
        mkdirSync(dockerDir, { recursive: true });
        writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
        const onlyDocker = { REGISTRY_AUTH_FILE: join(work, 'absent.json'), DOCKER_CONFIG: dockerDir };
        const pulled = await runTsimg(['--root', join(work, 'docker-cfg-store'), 'pull', '-q', `${registry.host}/test/multi:1`], { ...env, ...onlyDocker });
        assert.equal(pulled.code, 0, pulled.stderr);

        const out = await runTsimg(['logout', registry.host], env);
        assert.equal(out.code, 0, out.stderr);
        assert.deepEqual(JSON.parse(readFileSync(env.REGISTRY_AUTH_FILE!, 'utf8')).auths, {});
        const denied = await runTsimg(['--root', join(work, 'after-logout'), 'pull', `${registry.host}/test/multi:1`], env);
        assert.equal(denied.code, 1);
        assert.match(denied.stderr, /tsimg: .*(requires a login|refused anonymous access|HTTP 401)/);
        const again = await runTsimg(['logout', registry.host], env);
        assert.match(again.stderr, /not logged in/);
        const login = await runTsimg(['login', registry.host, '-u', registry.username, '--password-stdin'], env, `${registry.password}\n`);
        assert.equal(login.code, 0, login.stderr);
      });
    }

    if (mode === 'token') {
      test('with credentials the client asks the token server by OAuth2 POST, for pull scope', () => {
        const requests = registry.tokenServer!.requests;
        assert.ok(requests.some((r) => r.method === 'POST' && r.authenticated && r.scopes.includes('repository:test/multi:pull')), JSON.stringify(requests));
      });
    }
  });
}
