/**
 * tsimg pull over HTTPS from Debian's docker-registry (127.0.0.2, a self-signed certificate): blobs take
 * the streaming road (streaming-get.ts), manifests node:https, and both must check the certificate the
 * same way: refused when nothing trusts it, accepted through NODE_EXTRA_CA_CERTS (read by node itself
 * from source, deferred by dist/tsimg's loader), and unchecked with --tls-verify=false.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BuiltImages, buildTestImages } from '../test/build-image.ts';
import { type TestRegistry, startRegistry } from '../test/registry-server.ts';
import { runTsimg } from '../test/run-tsimg.ts';
import { skopeo, skopeoInspect } from '../test/skopeo.ts';

const DIST_TSIMG = join(import.meta.dirname, '..', '..', 'dist', 'tsimg');

describe('pull over HTTPS', () => {
  let registry: TestRegistry;
  let work: string;
  let images: BuiltImages;
  let name: string;
  const env = () => ({ REGISTRY_AUTH_FILE: join(work, 'auth.json'), XDG_CONFIG_HOME: join(work, 'config'), DOCKER_CONFIG: join(work, 'docker'), NODE_EXTRA_CA_CERTS: '' });
  const freshStore = (label: string) => join(work, `store-${label}`);
  const assertPulled = async (store: string) => {
    const inspected = await skopeoInspect(`oci:${store}:${name}`);
    assert.equal(inspected.Digest, images.oci.manifest.digest);
    assert.deepEqual(inspected.Layers, images.oci.layers.map((l) => l.digest));
    assert.deepEqual(readdirSync(join(store, 'ingest')), []);
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsimg-pull-tls-'));
    images = await buildTestImages(join(work, 'built'));
    registry = await startRegistry('open', { tls: true });
    name = `${registry.host}/test/img:1`;
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${join(work, 'built')}:oci`, `docker://${name}`]);
  });
  after(async () => {
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a certificate nothing trusts is refused, and the store gets nothing', async () => {
    const store = freshStore('untrusted');
    const result = await runTsimg(['--root', store, 'pull', name], env());
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot reach registry ${registry.host} \\(https://${registry.host}\\): self.signed certificate`));
    assert.deepEqual(readdirSync(join(store, 'blobs', 'sha256')), []);
  });

  test('trusted through NODE_EXTRA_CA_CERTS, from source and through dist/tsimg\'s loader', async () => {
    const fromSource = freshStore('source');
    const pulled = await runTsimg(['--root', fromSource, 'pull', name], { ...env(), NODE_EXTRA_CA_CERTS: registry.caFile! });
    assert.equal(pulled.code, 0, pulled.stderr);
    await assertPulled(fromSource);

    const fromDist = freshStore('dist');
    const viaLoader = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(DIST_TSIMG, ['--root', fromDist, 'pull', '-q', name], { env: { ...process.env, ...env(), NODE_EXTRA_CA_CERTS: registry.caFile! } }, (e, _out, stderr) =>
        resolve({ code: e ? Number(e.code ?? 1) : 0, stderr }),
      ),
    );
    assert.equal(viaLoader.code, 0, viaLoader.stderr);
    await assertPulled(fromDist);
  });

  test('--tls-verify=false pulls without trusting the certificate', async () => {
    const store = freshStore('unchecked');
    const pulled = await runTsimg(['--root', store, 'pull', '--tls-verify=false', name], env());
    assert.equal(pulled.code, 0, pulled.stderr);
    await assertPulled(store);
  });
});
