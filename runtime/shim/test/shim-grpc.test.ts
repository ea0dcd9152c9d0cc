/**
 * The task service over gRPC, driven with a grpc-js client as an orchestrator would: the shim is
 * started with its own `start` (no containerd: events have nowhere to go, which the shim allows),
 * then Create, Start, Wait, State, Delete and Shutdown on a busybox bundle, and the errors a bad
 * request gets. Root required.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as Grpc from '@grpc/grpc-js';
import { defaultSpec } from '../../container/default-spec.ts';
import { busyboxRootfs } from '../../test/harness.ts';
import { cgroupsUnder, removeCgroupParent } from '../../test/clients/daemons.ts';
import { taskServiceDefinition } from '../grpc/task-grpc-definition.ts';
import { decodeMessage } from '../protocol/proto-schema.ts';
import { grpcSocketFor } from '../shim-paths.ts';
import { SHIM } from './shim-env.ts';

const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;
type Call = (req: object) => Promise<Record<string, unknown>>;

describe('the task service over gRPC', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  let dir: string;
  let client: Grpc.Client;
  let shimPid = 0;
  const cgroupParent = `tsrun-shim-grpc-${process.pid}`;
  const rpc = (method: string): Call => (req) => new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', 'grpc-test');
    (client as unknown as Record<string, (r: object, m: Grpc.Metadata, cb: (e: Error | null, v: Record<string, unknown>) => void) => void>)[method]!(req, md, (e, v) => (e ? reject(e) : resolve(v)));
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsrun-shim-grpc-'));
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    busyboxRootfs(join(bundle, 'rootfs'));
    const spec = defaultSpec(false);
    spec.process!.terminal = false;
    spec.process!.args = ['sh', '-c', 'echo out-$((6*7)); exit 3'];
    (spec.linux as Record<string, unknown>).cgroupsPath = `/${cgroupParent}/g1`;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const env: NodeJS.ProcessEnv = { ...process.env, TSRUN_SHIM_ROOT: join(dir, 'shim'), TSRUN_SHIM_GRPC: '1', TSRUN_SHIM_IDLE_MS: '100' };
    delete env.TTRPC_ADDRESS;
    const start = spawnSync(SHIM, ['-namespace', 'grpc-test', '-address', join(dir, 'none.sock'), '-id', 'g1', 'start'], { cwd: bundle, env, encoding: 'utf8' });
    assert.equal(start.status, 0, start.stderr);
    const socket = start.stdout.replace(/^unix:\/\//, '');
    for (let i = 0; i < 50 && !existsSync(grpcSocketFor(socket)); i++) await new Promise((r) => setTimeout(r, 100));
    const Client = grpc.makeGenericClientConstructor(taskServiceDefinition(), 'Task');
    client = new Client(`unix://${grpcSocketFor(socket)}`, grpc.credentials.createInsecure());
    shimPid = Number((await rpc('Connect')({ id: 'g1' })).shimPid);
  });

  after(() => {
    client?.close();
    if (shimPid) { try { process.kill(shimPid, 'SIGKILL'); } catch { /* exited as it should */ } }
    spawnSync('umount', ['-R', join(dir, 'bundle/rootfs')], { stdio: 'ignore' });
    removeCgroupParent(cgroupParent);
    rmSync(dir, { recursive: true, force: true });
  });

  test('Create, Start, Wait, State, Delete and Shutdown run a container to its exit status and output', async () => {
    const out = join(dir, 'stdout');
    writeFileSync(out, '');
    const created = await rpc('Create')({ id: 'g1', bundle: join(dir, 'bundle'), stdout: `file://${out}` });
    assert.ok(Number(created.pid) > 0);
    assert.equal((await rpc('State')({ id: 'g1' })).status, 1 /* CREATED */);
    // Stats while the init waits in its cgroup: the metrics type of this host's layout (v1 here, v2 in the guest of npm run test:v2).
    const { stats } = await rpc('Stats')({ id: 'g1' }) as { stats: { typeUrl: string; value: Uint8Array } };
    const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
    assert.equal(stats.typeUrl, unified ? 'io.containerd.cgroups.v2.Metrics' : 'io.containerd.cgroups.v1.Metrics');
    const metrics = decodeMessage<{ pids: { current: number }; memory: { usage: number | { usage: number } } }>(stats.typeUrl, stats.value);
    assert.equal(metrics.pids.current, 1, 'the waiting init');
    assert.ok((unified ? metrics.memory.usage as number : (metrics.memory.usage as { usage: number }).usage) > 0, 'memory in use');
    assert.equal((await rpc('Start')({ id: 'g1' })).pid, created.pid);
    const waited = await rpc('Wait')({ id: 'g1' });
    assert.equal(waited.exitStatus, 3);
    assert.ok(Number((waited.exitedAt as { seconds: number }).seconds) > 0);
    assert.equal(readFileSync(out, 'utf8'), 'out-42\n');
    const state = await rpc('State')({ id: 'g1' });
    assert.equal(state.status, 3 /* STOPPED */);
    assert.equal(state.exitStatus, 3);
    assert.equal((await rpc('Delete')({ id: 'g1' })).exitStatus, 3);
    assert.deepEqual(cgroupsUnder(cgroupParent), [], 'the container\'s cgroups are gone');
    assert.deepEqual(readdirSync(join(dir, 'shim/state/grpc-test')), [], 'tsrun\'s state is gone');
    await rpc('Shutdown')({ id: 'g1' });
    for (let i = 0; i < 50 && existsSync(`/proc/${shimPid}`); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!existsSync(`/proc/${shimPid}`), 'the shim exits once it has no task and was asked to shut down');
  });
});

describe('errors over gRPC', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  test('unknown ids and bad requests get statuses that say what and where', async () => {
    // In process: the same handlers the transports share, served by grpc-js on a temp socket.
    const { taskService } = await import('../task/task-service.ts');
    const { serveGrpc } = await import('../grpc/grpc-server.ts');
    const { ChildReaper } = await import('../task/child-reaper.ts');
    const { EventPublisher } = await import('../events/event-publisher.ts');
    const { StateStore } = await import('../../container/state-store.ts');
    const { createLogger } = await import('../../cli/logger.ts');
    const dir = mkdtempSync(join(tmpdir(), 'tsrun-shim-grpc-errors-'));
    const handlers = taskService({
      store: () => new StateStore(join(dir, 'state')), events: new EventPublisher(undefined, () => undefined), reaper: new ChildReaper(),
      logger: createLogger({ format: 'text', debug: false }), onEmpty: () => undefined, onBusy: () => undefined,
    });
    const server = await serveGrpc(handlers, join(dir, 'g.sock'), 'default');
    const Client = grpc.makeGenericClientConstructor(taskServiceDefinition(), 'Task');
    const c = new Client(`unix://${join(dir, 'g.sock')}`, grpc.credentials.createInsecure()) as unknown as Record<string, (r: object, cb: (e: Grpc.ServiceError | null) => void) => void>;
    const fails = (method: string, req: object) => new Promise<Grpc.ServiceError>((resolve, reject) => c[method]!(req, (e) => (e ? resolve(e) : reject(new Error(`${method} succeeded`)))));
    try {
      let e = await fails('State', { id: 'nope' });
      assert.equal(e.code, grpc.status.NOT_FOUND);
      assert.equal(e.details, 'State: task nope not found in namespace default');
      e = await fails('Create', { id: 'x', bundle: join(dir, 'no-bundle') });
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
      assert.match(e.details, /Create x: bundle .*no-bundle: no such directory/);
      e = await fails('Create', { id: '' });
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
      assert.equal(e.details, 'Create: id: required');
      e = await fails('Checkpoint', { id: 'x' });
      assert.equal(e.code, grpc.status.UNIMPLEMENTED);
      assert.deepEqual(existsSync(join(dir, 'state')) ? readdirSync(join(dir, 'state')) : [], [], 'a failed Create leaves no state');
    } finally {
      (c as unknown as Grpc.Client).close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
