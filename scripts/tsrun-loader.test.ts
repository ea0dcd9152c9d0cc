/**
 * dist/tsrun and dist/tsimg start through scripts/tsrun-loader.cjs: a shell line that moves
 * NODE_EXTRA_CA_CERTS aside before node starts, and for tsrun a choice between the light bundle
 * (every command but create, run, exec and update) and the full one. tsimg's HTTPS still trusts the
 * certificates the variable names.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const DIST = join(import.meta.dirname, '../dist');
const PROJECT = join(import.meta.dirname, '..');

describe('the loader', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'tsrun-loader-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('state, kill, delete and start run from the light bundle alone; create needs the full one', () => {
    // A dist with the loader and the light bundle only: what works there did not touch the full bundle.
    for (const f of ['tsrun.cjs', 'tsrun-light.cjs', 'tsrun-light.cjs.cache']) copyFileSync(join(DIST, f), join(dir, f));
    const tsrun = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'tsrun.cjs'), '--root', join(dir, 'state'), ...args], { encoding: 'utf8' });
    for (const cmd of [['state', 'none'], ['kill', 'none'], ['start', 'none'], ['delete', 'none']]) {
      const r = tsrun(...cmd);
      assert.equal(r.status, 1, `${cmd[0]}: ${r.stderr}`);
      assert.match(r.stderr, /container does not exist|no such container/i, `${cmd[0]} answered from the light bundle`);
    }
    assert.equal(tsrun('delete', '--force', 'none').status, 0);
    const create = tsrun('create', '--bundle', dir, 'c1');
    assert.notEqual(create.status, 0);
    assert.match(create.stderr, /tsrun-main\.cjs/, 'create went for the full bundle');
    assert.ok(statSync(join(DIST, 'tsrun-light.cjs')).size * 4 < statSync(join(DIST, 'tsrun-main.cjs')).size, 'the light bundle is under a quarter of the full one');
    assert.doesNotMatch(readFileSync(join(DIST, 'tsrun-light.cjs'), 'utf8'), /validateConfig|SECCOMP_RET/, 'no validators or seccomp compiler in it');
  });

  test('node does not parse NODE_EXTRA_CA_CERTS at start-up when tsrun or tsimg is executed', () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'no-such-ca.pem') };
    // Control: node itself reads the file at start-up, and says so when it cannot.
    const control = spawnSync(process.execPath, ['-e', '0'], { env, encoding: 'utf8' });
    assert.match(control.stderr, /Ignoring extra certs from .*no-such-ca\.pem/);
    for (const bin of ['tsrun', 'tsimg']) {
      const r = spawnSync(join(DIST, bin), ['--version'], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Ignoring extra certs/, `${bin} started without reading the file`);
    }
  });

  test('tsimg\'s HTTPS trusts the deferred certificates, and only those besides Node\'s own', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (_req, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const get = (env: NodeJS.ProcessEnv) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const script = `import('./imgtool/registry/transport.ts').then((t) => t.send(new URL('https://127.0.0.1:${port}/v2/'), { maxRetries: 0 }))`
        + '.then((r) => console.log("status", r.status), (e) => { console.log("error", e.message); process.exitCode = 1; })';
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: PROJECT, env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
    try {
      const bare = { ...process.env };
      delete bare.NODE_EXTRA_CA_CERTS;
      delete bare.TSRUN_DEFERRED_CA_CERTS;
      const refused = await get(bare);
      assert.equal(refused.code, 1, 'control: a certificate Node does not know is refused');
      assert.match(refused.out, /self.signed|certificate/i);
      const trusted = await get({ ...bare, TSRUN_DEFERRED_CA_CERTS: join(dir, 'ca.pem') });
      assert.equal(trusted.code, 0, trusted.out);
      assert.match(trusted.out, /status 200/);
    } finally {
      server.close();
    }
  });
});
