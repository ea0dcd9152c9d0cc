/**
 * Credential helpers and OAuth2 against Debian's docker-registry with token auth (our token server):
 * docker's `credHelpers` and `credsStore` run a helper the test writes (docker-credential-tsimgtest, a sh
 * script on PATH keeping its secrets in a temp dir); login/logout store and erase through it; a helper's
 * `<token>` username makes the secret a refresh token; a refresh token the server returns is kept and used
 * to renew an expired token in the middle of a pull; a token server without OAuth2 POST gets the GET.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { type BuiltImages, buildTestImages } from '../test/build-image.ts';
import { type TestRegistry, startRegistry } from '../test/registry-server.ts';
import { runTsimg } from '../test/run-tsimg.ts';
import { skopeo } from '../test/skopeo.ts';
import { OciStore } from '../store/layout.ts';
import { RegistryClient } from './client.ts';

/** The helper protocol (get/store/erase on stdin), one file per server URL, every call logged. */
const HELPER = `#!/bin/sh
action="$1"
input=$(cat)
echo "$action $input" >> "$TSIMG_TEST_HELPER_DIR/calls.log"
key() { printf %s "$1" | tr -c 'A-Za-z0-9.' _; }
case "$action" in
  get) f="$TSIMG_TEST_HELPER_DIR/$(key "$input")"
       if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) server=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
       printf %s "$input" > "$TSIMG_TEST_HELPER_DIR/$(key "$server")" ;;
  erase) f="$TSIMG_TEST_HELPER_DIR/$(key "$input")"
       [ -f "$f" ] || { echo "credentials not found in native keychain"; exit 1; }
       rm "$f" ;;
  *) echo "unknown action $action"; exit 1 ;;
esac
`;

describe('credential helpers and OAuth2 with a token-auth registry', () => {
  let registry: TestRegistry;
  let work: string;
  let images: BuiltImages;
  let helperDir: string;
  let env: Record<string, string>;
  let image: string;
  const helperFile = () => join(helperDir, registry.host.replace(/[^A-Za-z0-9.]/g, '_'));
  const dockerConfig = (content: object) => {
    const dir = mkdtempSync(join(work, 'docker-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(content));
    return dir;
  };
  const tsimg = (args: string[], dockerDir: string) => runTsimg(['--root', mkdtempSync(join(work, 'store-')), ...args], { ...env, DOCKER_CONFIG: dockerDir });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsimg-cred-helpers-'));
    const bin = join(work, 'bin');
    helperDir = join(work, 'helper-secrets');
    mkdirSync(bin);
    mkdirSync(helperDir);
    writeFileSync(join(bin, 'docker-credential-tsimgtest'), HELPER);
    chmodSync(join(bin, 'docker-credential-tsimgtest'), 0o755);
    // No tsimg auth file and no REGISTRY_AUTH_FILE: only docker's config (per test) names credentials.
    env = { PATH: `${bin}:${process.env.PATH}`, TSIMG_TEST_HELPER_DIR: helperDir, XDG_CONFIG_HOME: join(work, 'xdg'), REGISTRY_AUTH_FILE: '' };
    images = await buildTestImages(join(work, 'built'));
    registry = await startRegistry('token');
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `${registry.username}:${registry.password}`, `oci:${join(work, 'built')}:oci`, `docker://${registry.host}/test/img:1`]);
    image = `${registry.host}/test/img:1`;
  });
  after(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('credHelpers: login stores through the helper, pull reads it, logout erases it, and then access is anonymous', async () => {
    const docker = dockerConfig({ credHelpers: { [registry.host]: 'tsimgtest' } });
    const login = await runTsimg(['login', registry.host, '-u', registry.username, '--password-stdin'], { ...env, DOCKER_CONFIG: docker }, `${registry.password}\n`);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /saved in docker-credential-tsimgtest/);
    assert.deepEqual(JSON.parse(readFileSync(helperFile(), 'utf8')), { ServerURL: registry.host, Username: registry.username, Secret: registry.password });
    assert.deepEqual(JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8')), { credHelpers: { [registry.host]: 'tsimgtest' } }, 'no secret in the file');
    assert.equal(existsSync(join(work, 'xdg', 'tsimg', 'auth.json')), false);

    const pulled = await tsimg(['pull', '-q', image], docker);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(readFileSync(join(helperDir, 'calls.log'), 'utf8').includes(`get ${registry.host}`));

    const logout = await runTsimg(['logout', registry.host], { ...env, DOCKER_CONFIG: docker });
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(existsSync(helperFile()), false);
    const denied = await tsimg(['pull', image], docker);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /refused anonymous access/);
  });

  test("credsStore: a helper's <token> username makes the secret an identity token, sent as an OAuth2 refresh_token grant", async () => {
    const identityToken = 'identity-token-for-tester';
    registry.tokenServer!.refreshTokens.add(identityToken);
    writeFileSync(helperFile(), JSON.stringify({ ServerURL: registry.host, Username: '<token>', Secret: identityToken }));
    const seen = registry.tokenServer!.requests.length;
    const pulled = await tsimg(['pull', '-q', image], dockerConfig({ credsStore: 'tsimgtest' }));
    assert.equal(pulled.code, 0, pulled.stderr);
    const requests = registry.tokenServer!.requests.slice(seen);
    assert.ok(requests.length > 0 && requests.every((r) => r.method === 'POST' && r.grantType === 'refresh_token' && r.authenticated && r.clientId === 'tsimg'), JSON.stringify(requests));
    rmSync(helperFile());
  });

  test('a helper that fails for another reason than "not found" fails the pull with its message', async () => {
    const pulled = await tsimg(['pull', image], dockerConfig({ credsStore: 'absent-helper' }));
    assert.equal(pulled.code, 1);
    assert.match(pulled.stderr, /credential helper docker-credential-absent-helper is configured but not found on PATH/);
  });

  test('OAuth2: the refresh token from a password grant is kept and renews an expired token in the middle of a pull', async () => {
    const server = registry.tokenServer!;
    server.behaviour.lifetime = 1;
    try {
      const client = new RegistryClient(registry.host, { credentials: { username: registry.username, password: registry.password } });
      const seen = server.requests.length;
      const manifest = await client.getManifest('test/img', '1');
      await sleep(1500); // the token of the manifest request has expired
      const store = OciStore.open(join(work, 'in-process-store'));
      const layer = images.oci.layers[0]!;
      const writer = store.openBlobWriter(layer.digest, layer.size, 'layer');
      await client.fetchBlob('test/img', layer, writer);
      await writer.commit();
      assert.equal(manifest.parsed.kind, 'image');
      const grants = server.requests.slice(seen).map((r) => `${r.method} ${r.grantType} ${r.authenticated}`);
      assert.deepEqual(grants, ['POST password true', 'POST refresh_token true']);
      assert.deepEqual(readdirSync(store.ingestDir), []);
    } finally {
      server.behaviour.lifetime = 300;
    }
  });

  test('a token server that answers the OAuth2 POST with 405 or 404 gets the Docker GET with Basic credentials', async () => {
    const server = registry.tokenServer!;
    for (const status of [405, 404]) {
      server.behaviour.postStatus = status;
      try {
        const client = new RegistryClient(registry.host, { credentials: { username: registry.username, password: registry.password } });
        const seen = server.requests.length;
        await client.getManifest('test/img', '1');
        const asked = server.requests.slice(seen).map((r) => `${r.method} ${r.authenticated}`);
        assert.deepEqual(asked, ['POST true', 'GET true'], `POST answered ${status}`);
      } finally {
        server.behaviour.postStatus = undefined;
      }
    }
  });
});
