/**
 * Starts Debian's docker-registry on 127.0.0.1 for a test: a free port, storage under a fresh temp dir,
 * and one of three auth modes (open, htpasswd basic, token with our token server). With `tls`, it serves
 * HTTPS on 127.0.0.2 (tsimg speaks plain http to 127.0.0.1 and localhost only) with a self-signed
 * certificate for that address, whose PEM file is `caFile`. stop() kills it and
 * removes the temp dir; the test calls it in `after`, so it also runs when the test fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';
import { type TokenServer, startTokenServer } from './token-server.ts';

export type AuthMode = 'open' | 'basic' | 'token';

export interface TestRegistry {
  host: string; // 127.0.0.1:port
  dir: string;
  username: string;
  password: string;
  tokenServer?: TokenServer;
  /** With `tls`: the registry's certificate, which is its own CA. */
  caFile?: string;
  stop(): Promise<void>;
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? httpsRequest : request)(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

export async function startRegistry(mode: AuthMode, options: { tls?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `tsimg-registry-${mode}-`));
  const address = options.tls ? '127.0.0.2' : '127.0.0.1';
  const scheme = options.tls ? 'https' : 'http';
  const port = await freePort();
  const username = 'tester';
  const password = 'secret-pass';
  let auth = '';
  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;
  try {
    if (mode === 'basic') {
      writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', username, password]));
      auth = `auth:\n  htpasswd:\n    realm: tsimg-test\n    path: ${join(dir, 'htpasswd')}\n`;
    } else if (mode === 'token') {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=tsimg-test-token'], { stdio: 'ignore' });
      const tokenPort = await freePort();
      tokenServer = await startTokenServer({ port: tokenPort, privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), issuer: 'tsimg-test-issuer', service: 'tsimg-test-registry', username, password });
      auth = `auth:\n  token:\n    realm: http://127.0.0.1:${tokenPort}/token\n    service: tsimg-test-registry\n    issuer: tsimg-test-issuer\n    rootcertbundle: ${join(dir, 'cert.pem')}\n`;
    }
    let tls = '';
    if (options.tls) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tls-key.pem'), '-out', join(dir, 'tls-cert.pem'), '-days', '1', '-subj', '/CN=tsimg-test-registry', '-addext', `subjectAltName=IP:${address}`], { stdio: 'ignore' });
      tls = `  tls:\n    certificate: ${join(dir, 'tls-cert.pem')}\n    key: ${join(dir, 'tls-key.pem')}\n`;
    }
    const config = `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}:${port}\n${tls}${auth}`;
    writeFileSync(join(dir, 'config.yml'), config);
    child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; ; i++) {
      const code = await status(`${scheme}://${address}:${port}/v2/`);
      if (code === 200 || code === 401) break;
      if (child.exitCode !== null || i > 100) throw new Error(`docker-registry did not start: ${stderr}`);
      await sleep(50);
    }
  } catch (e) {
    child?.kill('SIGKILL');
    tokenServer?.server.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const running = child;
  return {
    host: `${address}:${port}`,
    dir,
    caFile: options.tls ? join(dir, 'tls-cert.pem') : undefined,
    username,
    password,
    tokenServer,
    async stop() {
      if (running.exitCode === null) {
        const exited = new Promise((r) => running.once('exit', r));
        running.kill('SIGKILL');
        await exited;
      }
      tokenServer?.server.closeAllConnections();
      await new Promise((r) => (tokenServer ? tokenServer.server.close(r) : r(undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
