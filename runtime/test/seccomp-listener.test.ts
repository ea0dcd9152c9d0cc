import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeFd } from '../fd-passing/unix-socket-calls.ts';
import { FdReceiver } from './fd-receiver.ts';
import { mountCount, useTestRoot, waitFor } from './harness.ts';
import { answerWithErrno, receiveNotification } from './seccomp-agent.ts';

const EACCES = 13;
const MKDIR = 83, MKDIRAT = 258; // x86_64

describe('seccomp listeners: SCMP_ACT_NOTIFY hands syscalls to an agent at listenerPath', () => {
  const testRoot = useTestRoot('seccomp-agent', { before, after });
  let agent: FdReceiver;
  before(async () => {
    agent = new FdReceiver(join(testRoot().dir, 'agent.sock'));
    await agent.listen();
  });
  after(() => agent.close());

  const notifyConfig = (id: string, shared: string, listenerPath: string) => {
    const c = testRoot().config(id, ['sh', '-c', 'mkdir /shared/made; echo "rc=$?" > /shared/out; sleep 100']);
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    (c.linux as Record<string, unknown>).seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'],
      listenerPath, listenerMetadata: 'hello-agent',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    };
    return c;
  };

  test('the agent gets the listener with the container process state, and its answer is what the container sees', async () => {
    const root = testRoot();
    const id = root.id();
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    const bundle = root.bundle(id, notifyConfig(id, shared, agent.path));
    const r = root.tsrun(['create', '--bundle', bundle, id]);
    assert.equal(r.status, 0, r.stderr);
    const { fd: listener, data } = await agent.nextMessage();
    try {
      const msg = JSON.parse(data.toString('utf8')) as { fds: string[]; pid: number; metadata: string; state: { id: string; status: string; pid: number; bundle: string } };
      const initPid = (JSON.parse(root.tsrun(['state', id]).stdout) as { pid: number }).pid;
      assert.deepEqual(msg.fds, ['seccompFd']);
      assert.equal(msg.metadata, 'hello-agent');
      assert.equal(msg.pid, initPid, 'the container process, as the runtime sees it');
      assert.deepEqual([msg.state.id, msg.state.status, msg.state.pid, msg.state.bundle], [id, 'creating', initPid, bundle]);
      assert.equal(root.tsrun(['start', id]).status, 0);
      const n = receiveNotification(listener, 10_000);
      assert.ok(n, 'the mkdir was handed to the agent');
      assert.ok([MKDIR, MKDIRAT].includes(n.nr), `a mkdir call, got syscall ${n.nr}`);
      assert.equal(readlinkSync(`/proc/${n.pid}/ns/pid`), readlinkSync(`/proc/${initPid}/ns/pid`), "from a process of the container");
      answerWithErrno(listener, n.id, EACCES);
      assert.ok(await waitFor(() => existsSync(join(shared, 'out'))));
      assert.equal(readFileSync(join(shared, 'out'), 'utf8'), 'rc=1\n', "the agent's errno is the syscall's result");
      assert.ok(!existsSync(join(shared, 'made')), 'the kernel did not run the call');
    } finally {
      closeFd(listener);
      root.tsrun(['delete', '--force', id]);
    }
  });

  test('a listenerPath nobody listens on fails create with the path named, and leaves nothing', () => {
    const root = testRoot();
    const mounts = mountCount();
    const id = root.id();
    const shared = join(root.dir, `shared-${id}`);
    mkdirSync(shared);
    const r = root.tsrun(['create', '--bundle', root.bundle(id, notifyConfig(id, shared, join(root.dir, 'nobody.sock'))), id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /linux\.seccomp\.listenerPath: sending the seccomp listener to .*nobody\.sock: connecting .*: ENOENT/);
    assert.deepEqual(root.leftoverState(), []);
    assert.deepEqual(root.leftoverCgroups(), []);
    assert.equal(mountCount(), mounts);
  });
});
