/**
 * What `start` prints: a plain unix:// address by default (containerd 1.6, the one installed here,
 * reads nothing else), containerd 1.7's JSON with protocol "grpc" when TSRUN_SHIM_PROTOCOL=grpc,
 * the same bytes from the Node code and from the sh launcher's fast path. No containerd 1.7 is
 * available here, so the JSON is checked by parsing it and calling the service at its address.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as Grpc from '@grpc/grpc-js';
import { taskServiceDefinition } from '../grpc/task-grpc-definition.ts';
import { shimProtocol, startAnswer } from '../start-answer.ts';
import { SHIM } from './shim-env.ts';

const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;

describe('start\'s answer', () => {
  test('plain for ttrpc, containerd 1.7\'s JSON for grpc, and an unknown protocol refused by name', () => {
    assert.equal(startAnswer('/r/s/abc.sock', 'ttrpc'), 'unix:///r/s/abc.sock');
    assert.deepEqual(JSON.parse(startAnswer('/r/s/abc.sock', 'grpc')), { version: 2, address: 'unix:///r/s/abc.grpc.sock', protocol: 'grpc' });
    assert.equal(shimProtocol({}), 'ttrpc');
    assert.throws(() => shimProtocol({ TSRUN_SHIM_PROTOCOL: 'http' }), /TSRUN_SHIM_PROTOCOL=http: give ttrpc \(any containerd\) or grpc \(containerd 1\.7\+\)/);
  });
});

describe('start with TSRUN_SHIM_PROTOCOL=grpc', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  let dir: string;
  let bundle: string;
  let shimPid = 0;
  let otherPid = 0;
  let thirdPid = 0;
  const baseEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, TSRUN_SHIM_ROOT: join(dir, 'shim') };
    delete env.TTRPC_ADDRESS;
    delete env.TSRUN_SHIM_GRPC;
    delete env.TSRUN_SHIM_PROTOCOL;
    return env;
  };
  const start = (binary: string, protocol?: string) => spawnSync(binary, ['-namespace', 'answer-test', '-address', join(dir, 'none.sock'), '-id', 'a1', 'start'],
    { cwd: bundle, env: { ...baseEnv(), ...(protocol ? { TSRUN_SHIM_PROTOCOL: protocol } : {}) }, encoding: 'utf8', timeout: 30_000 });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsrun-shim-answer-'));
    bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'config.json'), '{}'); // what the launcher looks at; nothing is created
  });
  after(() => {
    for (const pid of [shimPid, otherPid, thirdPid]) if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(dir, { recursive: true, force: true });
  });

  test('the JSON names a gRPC socket that serves the task service; the launcher\'s fast path answers the same; ttrpc callers still get a plain address', async () => {
    const first = start(SHIM, 'grpc');
    assert.equal(first.status, 0, first.stderr);
    const answer = JSON.parse(first.stdout) as { version: number; address: string; protocol: string };
    assert.equal(answer.version, 2);
    assert.equal(answer.protocol, 'grpc');
    assert.match(answer.address, /^unix:\/\/.*\.grpc\.sock$/);
    const addressFile = readFileSync(join(bundle, 'address'), 'utf8');
    assert.match(addressFile, /^unix:\/\/.*\.sock$/);
    assert.doesNotMatch(addressFile, /\.grpc\.sock$/, 'the address file keeps the plain ttrpc address');

    // Served before start answered: containerd connects right away.
    const Client = grpc.makeGenericClientConstructor(taskServiceDefinition(), 'Task');
    const client = new Client(answer.address, grpc.credentials.createInsecure()) as unknown as Grpc.Client & Record<string, (r: object, cb: (e: Error | null, v: { shimPid: number }) => void) => void>;
    try {
      const connected = await new Promise<{ shimPid: number }>((resolve, reject) => client.Connect!({ id: 'a1' }, (e, v) => (e ? reject(e) : resolve(v))));
      shimPid = Number(connected.shimPid);
      assert.ok(shimPid > 0);
    } finally {
      client.close();
    }

    // A launcher whose Node fails: only its own fast path can answer.
    const launcher = join(dir, 'containerd-shim-tsrun-v2');
    writeFileSync(launcher, readFileSync(SHIM, 'utf8').replace(/^NODE=.*$/m, 'NODE=/bin/false'), { mode: 0o755 });
    const second = start(launcher, 'grpc');
    assert.equal(second.status, 0, `the launcher answered itself: ${second.stderr}`);
    assert.equal(second.stdout, first.stdout);
    const plain = start(launcher);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, readFileSync(join(bundle, 'address'), 'utf8'));
    // The same shim asked for gRPC when it was started without: refused by name, not an address that goes nowhere.
    const ttrpcOnly = join(dir, 'bundle2');
    mkdirSync(ttrpcOnly);
    writeFileSync(join(ttrpcOnly, 'config.json'), '{}');
    const other = (protocol?: string) => spawnSync(SHIM, ['-namespace', 'answer-test-2', '-address', join(dir, 'none.sock'), '-id', 'b1', 'start'],
      { cwd: ttrpcOnly, env: { ...baseEnv(), ...(protocol ? { TSRUN_SHIM_PROTOCOL: protocol } : {}) }, encoding: 'utf8', timeout: 30_000 });
    const plainStart = other();
    assert.equal(plainStart.status, 0, plainStart.stderr);
    const refused = other('grpc');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /TSRUN_SHIM_PROTOCOL=grpc, but the running shim of this group .* does not serve gRPC/);
    otherPid = Number(readFileSync(plainStart.stdout.replace(/^unix:\/\//, '').replace(/\.sock$/, '.pid'), 'utf8'));

    // Two starts at once in a group with no shim yet: the second may find the first's daemon
    // serving ttrpc a moment before gRPC; both answer the same gRPC address.
    const together = join(dir, 'bundle3');
    mkdirSync(together);
    writeFileSync(join(together, 'config.json'), '{}');
    const startAsync = () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(SHIM, ['-namespace', 'answer-test-3', '-address', join(dir, 'none.sock'), '-id', 'c1', 'start'],
        { cwd: together, env: { ...baseEnv(), TSRUN_SHIM_PROTOCOL: 'grpc' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });
    const both = await Promise.all([startAsync(), startAsync()]);
    for (const r of both) assert.equal(r.code, 0, r.err);
    assert.equal(both[0]!.out, both[1]!.out);
    const third = JSON.parse(both[0]!.out) as { address: string };
    thirdPid = Number(readFileSync(third.address.replace(/^unix:\/\//, '').replace(/\.grpc\.sock$/, '.pid'), 'utf8'));

    const bad = start(SHIM, 'http');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /TSRUN_SHIM_PROTOCOL=http/);

    process.kill(shimPid, 'SIGTERM');
    for (let i = 0; i < 50 && existsSync(`/proc/${shimPid}`); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!existsSync(answer.address.slice('unix://'.length)), 'the gRPC socket goes with the shim');
  });
});
