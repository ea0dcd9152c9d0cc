/**
 * Registry misbehaviour docker-registry cannot be made to produce: a wrong blob, a connection cut mid-blob,
 * garbage or oversized manifests, 503s, a redirect to another host. The peer here is a fake registry, a
 * small HTTP server written for this test (a legitimate fake peer: tsimg only sees HTTP), on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTsimg } from '../test/run-tsimg.ts';
import { treeSnapshot } from '../test/store-snapshot.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const layer = Buffer.alloc(256 * 1024, 7); // content does not matter to pull; digest and size do
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
  }),
);

/** Manifests that are JSON but not what the image-spec allows, each with the path the error must name. */
const layerDescriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length };
const configDescriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length };
const badManifest = (layers: unknown[], configEntry: unknown = configDescriptor) =>
  JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configEntry, layers });
const garbageManifests: Record<string, { body: string; path: string; detail: RegExp }> = {
  'size-is-a-string': { body: badManifest([{ ...layerDescriptor, size: String(layer.length) }]), path: 'layers[0].size', detail: /must be integer/ },
  'no-media-type': { body: badManifest([layerDescriptor], { digest: sha(config), size: config.length }), path: 'config.mediaType', detail: /is required/ },
  'no-digest': { body: badManifest([{ mediaType: layerDescriptor.mediaType, size: layer.length }]), path: 'layers[0].digest', detail: /is required/ },
  'no-size': { body: badManifest([{ mediaType: layerDescriptor.mediaType, digest: sha(layer) }]), path: 'layers[0].size', detail: /is required/ },
  'bad-digest-format': { body: badManifest([{ ...layerDescriptor, digest: `sha256:${'Z'.repeat(64)}` }]), path: 'layers[0].digest', detail: /must be a digest/ },
  'layers-not-a-list': { body: badManifest({ 0: layerDescriptor } as unknown as unknown[]), path: 'layers', detail: /must be array/ },
  'index-without-platform': {
    body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [{ ...configDescriptor, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }] }),
    path: 'manifests[0].platform',
    detail: /is required/,
  },
};
/** A manifest that is fine, pointing at a config the image-spec refuses: the layer is downloaded, then taken back. */
const badConfig = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: 'not-a-list' } }));
const badConfigManifest = Buffer.from(badManifest([layerDescriptor], { ...configDescriptor, digest: sha(badConfig), size: badConfig.length }));

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('pull from a misbehaving registry (fake peer)', () => {
  let registry: Server;
  let storage: Server;
  let host: string;
  let storagePort: number;
  let work: string;
  let store: string;
  const seen: { path: string; range?: string; authorization?: string; host?: string }[] = [];
  const flaky = new Map<string, number>();
  const tsimg = (args: string[]) => runTsimg(['--root', store, ...args], { XDG_CONFIG_HOME: join(work, 'cfg'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json') });

  function serveBlob(req: IncomingMessage, res: ServerResponse, repo: string, content: Buffer) {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const cutFirst = ['truncated-once', 'range-ignored', 'wrong-range'].includes(repo);
    if (repo === 'truncated-always' || (cutFirst && !range)) {
      // Announce the whole blob, send half, cut the connection.
      res.writeHead(200, { 'content-length': String(content.length), 'content-type': 'application/octet-stream' });
      res.write(content.subarray(0, content.length / 2), () => res.destroy());
      return;
    }
    if (repo === 'chunked') {
      // No Content-Length: Node's server frames the body with Transfer-Encoding: chunked, in pieces.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let at = 0; at < content.length; at += 10_000) res.write(content.subarray(at, at + 10_000));
      return void res.end();
    }
    if (repo === 'chunked-unterminated') {
      // Every byte of the blob, then the connection drops before the last (zero) chunk.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.write(content, () => res.destroy());
    }
    if (repo === 'malformed') return void req.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello');
    if (repo === 'oversized') return void res.writeHead(200, { 'content-length': String(content.length + 10) }).end(Buffer.concat([content, Buffer.alloc(10)]));
    if (repo === 'wrong-range' && range) {
      res.writeHead(206, { 'content-length': String(content.length), 'content-range': `bytes 0-${content.length - 1}/${content.length}` });
      return void res.end(content);
    }
    if (range && repo !== 'range-ignored') {
      const start = Number(range[1]);
      res.writeHead(206, { 'content-length': String(content.length - start), 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` });
      return void res.end(content.subarray(start));
    }
    res.writeHead(200, { 'content-length': String(content.length) }).end(content);
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsimg-misbehave-'));
    store = join(work, 'store');
    storage = createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, host: req.headers.host });
      if (req.url === '/storage/deny') return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://localhost:${storagePort}/token",service="storage"` }).end();
      res.writeHead(200, { 'content-length': String(layer.length) }).end(layer);
    });
    storagePort = await listen(storage);
    registry = createServer((req, res) => {
      seen.push({ path: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
      const m = /^\/v2\/([^/]+)\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      if (!m) return void res.writeHead(404).end();
      const [, repo, kind, ref] = m as unknown as [string, string, string, string];
      if (repo === 'redirect' && req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      }
      const failures = flaky.get(req.url!) ?? 0;
      if (repo === 'flaky' && failures < 2) {
        flaky.set(req.url!, failures + 1);
        return void res.writeHead(503).end('busy');
      }
      if (kind === 'manifests') {
        if (repo === 'redirect-denied') return void res.writeHead(307, { location: `http://localhost:${storagePort}/storage/deny` }).end();
        if (repo === 'garbage') return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end('{"schemaVersion": 2, "config": ');
        if (repo === 'huge') return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(Buffer.alloc(5 * 1024 * 1024, 32));
        const garbage = garbageManifests[repo];
        if (garbage) return void res.writeHead(200, { 'content-type': JSON.parse(garbage.body).mediaType }).end(garbage.body);
        if (repo === 'bad-config') return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(badConfigManifest);
        if (repo === 'wrong-type') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.thing+json' }));
        return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha(manifest) }).end(manifest);
      }
      if (ref === sha(badConfig)) return void res.writeHead(200, { 'content-length': String(badConfig.length) }).end(badConfig);
      if (ref === sha(config)) return void res.writeHead(200, { 'content-length': String(config.length) }).end(config);
      if (repo === 'bad-digest') return void res.writeHead(200, { 'content-length': String(layer.length) }).end(Buffer.alloc(layer.length, 8));
      if (repo === 'redirect') return void res.writeHead(307, { location: `http://localhost:${storagePort}/storage/layer` }).end();
      serveBlob(req, res, repo, layer);
    });
    host = `127.0.0.1:${await listen(registry)}`;
    const init = await tsimg(['images']); // creates the empty store the failures must leave unchanged
    assert.equal(init.code, 0, init.stderr);
  });
  after(async () => {
    registry?.closeAllConnections();
    storage?.closeAllConnections();
    await new Promise((r) => registry?.close(r));
    await new Promise((r) => storage?.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  const failsCleanly = async (repo: string, message: RegExp) => {
    const before = treeSnapshot(store);
    const result = await tsimg(['pull', `${host}/${repo}:1`]);
    assert.equal(result.code, 1, `exit ${result.code}; stdout: ${result.stdout}; stderr: ${result.stderr}`);
    const lines = result.stderr.trim().split('\n').filter((l) => l.startsWith('tsimg: '));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, message);
    assert.deepEqual(treeSnapshot(store), before, 'the store is exactly as before');
    assert.deepEqual(readdirSync(join(store, 'ingest')), []);
  };

  test('a blob whose bytes do not match its digest is discarded', async () => {
    await failsCleanly('bad-digest', new RegExp(`blob ${sha(layer)} of ${host}/bad-digest: content does not match.*discarded`));
  });

  test('a cut connection is resumed with a Range request', async () => {
    const result = await tsimg(['pull', `${host}/truncated-once:1`]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(seen.some((s) => s.path.startsWith('/v2/truncated-once/blobs/') && s.range === `bytes=${layer.length / 2}-`), JSON.stringify(seen.filter((s) => s.path.includes('truncated-once'))));
    assert.equal(treeSnapshot(store)[`blobs/sha256/${sha(layer).slice(7)}`], layer.length);
  });

  test('a chunked blob body is read whole', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    const result = await tsimg(['pull', `${host}/chunked:1`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(treeSnapshot(store)[`blobs/sha256/${sha(layer).slice(7)}`], layer.length);
  });

  test('a chunked body whose every byte arrived but not its last chunk is committed on its digest, with no Range request', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    const result = await tsimg(['pull', `${host}/chunked-unterminated:1`]);
    assert.equal(result.code, 0, result.stderr);
    const requests = seen.filter((s) => s.path === `/v2/chunked-unterminated/blobs/${sha(layer)}`);
    assert.deepEqual(requests.map((r) => r.range), [undefined]);
    assert.equal(treeSnapshot(store)[`blobs/sha256/${sha(layer).slice(7)}`], layer.length);
  });

  test('a malformed blob response is named as such, not as an unreachable registry', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    await failsCleanly('malformed', new RegExp(`registry ${host} \\(http://${host}\\) sent a malformed response: bad Content-Length "5, 6"`));
  });

  test('a registry that answers a Range request with the whole blob is read from the start again', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    const result = await tsimg(['pull', `${host}/range-ignored:1`]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(seen.some((s) => s.path.startsWith('/v2/range-ignored/blobs/') && s.range === `bytes=${layer.length / 2}-`));
    assert.equal(treeSnapshot(store)[`blobs/sha256/${sha(layer).slice(7)}`], layer.length);
  });

  test('a resume at the wrong offset and a body longer than its descriptor fail and leave nothing', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    await failsCleanly('wrong-range', new RegExp(`blob ${sha(layer)} of ${host}/wrong-range: the registry resumed at "bytes 0-${layer.length - 1}/${layer.length}", not byte ${layer.length / 2}`));
    await failsCleanly('oversized', new RegExp(`blob ${sha(layer)} of ${host}/oversized:.*more than ${layer.length} bytes.*discarded`));
  });

  test('a full disk fails the pull with the store\'s error, not a registry one, and leaves nothing', async () => {
    const small = join(work, 'small-disk');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tsimg-test-full', small]);
    try {
      const before = await runTsimg(['--root', small, 'images']);
      assert.equal(before.code, 0, before.stderr);
      const snapshot = treeSnapshot(small);
      const result = await runTsimg(['--root', small, 'pull', `${host}/plain:1`]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`tsimg: blob ${sha(layer)} of ${host}/plain: writing it into the store failed: ENOSPC`));
      assert.doesNotMatch(result.stderr, /cannot reach registry/);
      assert.deepEqual(treeSnapshot(small), snapshot, 'the store is exactly as before');
    } finally {
      execFileSync('umount', [small]);
    }
  });

  test('a blob that is always cut short fails after bounded resumes and leaves nothing', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    await failsCleanly('truncated-always', /truncated-always.*gave up after 5 resumes/);
  });

  test('garbage JSON, a manifest over 4 MiB and a non-image media type are refused', async () => {
    await failsCleanly('garbage', new RegExp(`manifest of ${host}/garbage:1: the manifest is not valid JSON`));
    await failsCleanly('huge', /manifest of .*huge:1 is more than the 4194304 bytes allowed/);
    await failsCleanly('wrong-type', /media type application\/vnd.example.thing\+json is not an image manifest or index/);
  });

  test('manifests the image-spec refuses name the registry, repository, reference and JSON path, and store nothing', async () => {
    for (const [repo, { path, detail }] of Object.entries(garbageManifests)) {
      const escapedPath = path.replace(/[.[\]]/g, '\\$&');
      await failsCleanly(repo, new RegExp(`manifest of ${host}/${repo}:1: ${escapedPath}: ${detail.source}`));
    }
  });

  test('a config the image-spec refuses fails the pull after download, and the downloaded blobs are taken back', async () => {
    rmSync(store, { recursive: true });
    await tsimg(['images']);
    await failsCleanly('bad-config', new RegExp(`config ${sha(badConfig)} of ${host}/bad-config:1 in .*: rootfs\\.diff_ids: must be array`));
    assert.ok(seen.some((s) => s.path === `/v2/bad-config/blobs/${sha(layer)}`), 'the layer was downloaded before the config was read');
  });

  test('503s are retried', async () => {
    const result = await tsimg(['pull', `${host}/flaky:1`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(flaky.get(`/v2/flaky/manifests/1`), 2);
  });

  test('a redirect to another host does not carry the Authorization header', async () => {
    const login = await runTsimg(['login', host, '-u', 'u', '-p', 'p'], { REGISTRY_AUTH_FILE: join(work, 'auth.json') });
    assert.equal(login.code, 0, login.stderr);
    rmSync(store, { recursive: true });
    const result = await tsimg(['pull', `${host}/redirect:1`]);
    assert.equal(result.code, 0, result.stderr);
    const blobRequests = seen.filter((s) => s.path.startsWith('/v2/redirect/blobs/'));
    assert.ok(blobRequests.length > 0 && blobRequests.every((s) => s.authorization?.startsWith('Basic ')), 'the registry itself got the credentials');
    const storageRequests = seen.filter((s) => s.path === '/storage/layer');
    assert.equal(storageRequests.length, 1);
    assert.equal(storageRequests[0]!.authorization, undefined);
  });

  test('a 401 from the host a redirect led to is not answered: its token realm never sees the credentials', async () => {
    rmSync(store, { recursive: true, force: true });
    const result = await tsimg(['pull', `${host}/redirect-denied:1`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /HTTP 401/);
    assert.deepEqual(seen.filter((s) => s.path.startsWith('/token')), [], 'no request went to the foreign realm');
    assert.equal(seen.filter((s) => s.path === '/storage/deny').every((s) => s.authorization === undefined), true);
  });
});
