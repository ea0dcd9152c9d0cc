/**
 * containerd 1.6 (ctr), dockerd 20.10 and podman 4.3, each started here, run the same scenarios
 * with tsrun and with runc as their runtime, so a difference between the two shows up as a
 * failure of one and not the other. Runs only where the clients are installed (scripts/setup.sh
 * installs them) and as root.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TSRUN, mountCount } from '../harness.ts';
import { buildBusyboxArchive } from './busybox-image.ts';
import { cgroupsUnder, podman, removeCgroupParent, startContainerd, startDockerd, unmountUnder, type Daemon, type Result } from './daemons.ts';

const RUNC = '/usr/sbin/runc';
const RUNTIMES = { tsrun: TSRUN, runc: RUNC } as const;
type Runtime = keyof typeof RUNTIMES;

/** What a user does with each client, spelled in that client's own command line. */
interface Client {
  name: string;
  cgroupParent: string;
  start(dir: string, archive: string): Promise<void>;
  stop(): Promise<void>;
  run(rt: Runtime, args: string[], opts?: { tty?: boolean }): Result;
  runDetached(rt: Runtime, name: string, args: string[]): Result;
  exec(name: string, args: string[], opts?: { tty?: boolean }): Result;
  top(name: string): Result;
  pause(name: string, on: boolean): Result;
  status(name: string): string;
  pid(name: string): number;
  update?(name: string, memory: string): Result;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code the client reports */
  stopContainer(name: string): Promise<number>;
  remove(name: string): Result;
}

function containerdClient(): Client {
  let d: Daemon;
  const image = 'docker.io/tsrun-test/busybox:latest';
  const parent = `tsrun-test-ctr-${process.pid}`;
  const c: Client = {
    name: 'containerd', cgroupParent: parent,
    async start(dir, archive) {
      d = await startContainerd(dir);
      assert.equal(d.cli(['image', 'import', archive]).status, 0);
    },
    stop: () => d.stop(),
    run: (rt, args, opts = {}) => d.cli(['run', '--rm', ...(opts.tty ? ['-t'] : []), '--runc-binary', RUNTIMES[rt], '--cgroup', `/${parent}/fg-${rt}-${Date.now()}`, image, `fg-${rt}-${Date.now()}`, ...args], opts),
    runDetached: (rt, name, args) => d.cli(['run', '-d', '--runc-binary', RUNTIMES[rt], '--cgroup', `/${parent}/${name}`, image, name, ...args]),
    exec: (name, args, opts = {}) => d.cli(['task', 'exec', ...(opts.tty ? ['-t'] : []), '--exec-id', `e${Date.now()}`, name, ...args], opts),
    top: (name) => d.cli(['task', 'ps', name]),
    pause: (name, on) => d.cli(['task', on ? 'pause' : 'resume', name]),
    status: (name) => (new RegExp(`^${name}\\s+\\d+\\s+(\\w+)`, 'm').exec(d.cli(['task', 'ls']).stdout)?.[1] ?? 'absent').toLowerCase(),
    pid: (name) => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(d.cli(['task', 'ls']).stdout)?.[1] ?? 0),
    async stopContainer(name) {
      d.cli(['task', 'kill', name]);
      await new Promise((r) => setTimeout(r, 2000));
      if (c.status(name) !== 'stopped') d.cli(['task', 'kill', '-s', 'SIGKILL', name]);
      for (let i = 0; i < 50 && c.status(name) !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 100));
      const rm = d.cli(['task', 'rm', name]);
      return Number(/exit code (\d+)/.exec(rm.stderr)?.[1] ?? 0);
    },
    remove: (name) => {
      d.cli(['task', 'rm', '-f', name]);
      return d.cli(['container', 'rm', name]);
    },
  };
  return c;
}

/** docker and podman share a command line: only the set-up, the runtime flag and update differ. */
function dockerLikeClient(name: string, image: string, parent: string, setUp: (dir: string) => Promise<Daemon>,
  rtFlag: (rt: Runtime) => string[], updateArgs: (memory: string) => string[]): Client {
  let d: Daemon;
  return {
    name, cgroupParent: parent,
    async start(dir, archive) {
      d = await setUp(dir);
      assert.equal(d.cli(['load', '-i', archive]).status, 0);
    },
    stop: () => d.stop(),
    run: (rt, args, opts = {}) => d.cli(['run', '--rm', ...(opts.tty ? ['-t'] : []), ...rtFlag(rt), image, ...args], opts),
    runDetached: (rt, name, args) => d.cli(['run', '-d', '--name', name, ...rtFlag(rt), image, ...args]),
    exec: (name, args, opts = {}) => d.cli(['exec', ...(opts.tty ? ['-t'] : []), name, ...args], opts),
    top: (name) => d.cli(['top', name]),
    pause: (name, on) => d.cli([on ? 'pause' : 'unpause', name]),
    status: (name) => d.cli(['inspect', '-f', '{{.State.Status}}', name]).stdout.trim(),
    pid: (name) => Number(d.cli(['inspect', '-f', '{{.State.Pid}}', name]).stdout.trim()),
    update: (name, memory) => d.cli(['update', ...updateArgs(memory), name]),
    async stopContainer(name) {
      d.cli(['stop', '-t', '2', name]);
      return Number(d.cli(['inspect', '-f', '{{.State.ExitCode}}', name]).stdout.trim());
    },
    remove: (name) => d.cli(['rm', '-f', name]),
  };
}

function dockerClient(): Client {
  const parent = `tsrun-test-docker-${process.pid}`;
  return dockerLikeClient('docker', 'tsrun-test/busybox', parent,
    (dir) => startDockerd(dir, { tsrun: TSRUN, 'runc-reference': RUNC }, `/${parent}`),
    (rt) => ['--runtime', rt === 'tsrun' ? 'tsrun' : 'runc-reference'],
    (memory) => ['--memory', memory, '--memory-swap', '-1']);
}

function podmanClient(): Client {
  const parent = `tsrun-test-podman-${process.pid}`;
  return dockerLikeClient('podman', 'localhost/tsrun-test/busybox', parent,
    async (dir) => podman(dir, RUNTIMES),
    (rt) => ['--runtime', rt, '--cgroup-parent', `/${parent}`],
    (memory) => ['--memory', memory]);
}

const installed = (bin: string) => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, bin)));
const CLIENTS: [() => Client, string[]][] = [
  [containerdClient, ['containerd', 'ctr']],
  [dockerClient, ['dockerd', 'docker']],
  [podmanClient, ['podman', 'conmon']],
];

let archive: string;
let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'tsrun-clients-'));
  archive = join(work, 'busybox.tar');
  buildBusyboxArchive(archive);
});
after(() => rmSync(work, { recursive: true, force: true }));

for (const [make, bins] of CLIENTS) {
  const missing = [...bins, 'script'].filter((b) => !installed(b)).concat(installed('runc') ? [] : ['runc']);
  const client = make();
  describe(`${client.name} with tsrun and with runc`, { skip: missing.length > 0 && `not installed: ${missing.join(', ')}` }, () => {
    let dir: string;
    let mountsBefore: number;
    let forwardingBefore: string;
    const forwarding = () => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    before(async () => {
      mountsBefore = mountCount();
      forwardingBefore = forwarding();
      dir = join(work, client.name);
      await client.start(dir, archive);
    });
    after(async () => {
      await client.stop();
      unmountUnder(dir);
      // podman keeps conmon in a cgroup of its own under the parent: that one is not a container's.
      const left = cgroupsUnder(client.cgroupParent).filter((d) => !d.endsWith('/conmon'));
      removeCgroupParent(client.cgroupParent);
      assert.deepEqual(left, [], 'every container cgroup was removed');
      assert.equal(mountCount(), mountsBefore, 'no mount left behind');
      assert.equal(forwarding(), forwardingBefore, "the host's IP forwarding is left as it was");
    });

    for (const rt of ['tsrun', 'runc'] as const) {
      test(`${rt}: run --rm echo hi; exit codes 0 and 3`, () => {
        const hi = client.run(rt, ['echo', 'hi']);
        assert.equal(hi.status, 0, hi.stderr);
        assert.equal(hi.stdout, 'hi\n');
        assert.equal(client.run(rt, ['sh', '-c', 'exit 3']).status, 3);
      });

      test(`${rt}: interactive -t run gets a tty and its exit code`, () => {
        const r = client.run(rt, ['sh', '-c', 'tty; exit 4'], { tty: true });
        assert.match(r.stdout, /\/dev\/pts\/\d+/, r.stdout + r.stderr);
        assert.equal(r.status, 4);
      });

      test(`${rt}: a detached container takes exec, exec -t, top, pause and unpause, update, stop, rm`, async () => {
        const name = `${rt}-detached`;
        const d = client.runDetached(rt, name, ['sleep', '1000']);
        assert.equal(d.status, 0, d.stderr);
        try {
          const e = client.exec(name, ['sh', '-c', 'echo exec-ok; exit 6']);
          assert.equal(e.stdout, 'exec-ok\n', e.stderr);
          assert.equal(e.status, 6);
          const t = client.exec(name, ['tty'], { tty: true });
          assert.match(t.stdout, /\/dev\/pts\/\d+/, t.stdout + t.stderr);
          const pid = client.pid(name);
          assert.ok(pid > 0);
          const top = client.top(name);
          assert.equal(top.status, 0, top.stderr);
          assert.match(top.stdout, new RegExp(`\\b${pid}\\b|sleep 1000`));
          assert.equal(client.pause(name, true).status, 0);
          assert.equal(client.status(name), 'paused');
          assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /State:\s+[DS]/);
          assert.equal(client.pause(name, false).status, 0);
          assert.equal(client.status(name), 'running');
          if (client.update) {
            const u = client.update(name, '96m');
            assert.equal(u.status, 0, u.stderr);
            const memCgroup = /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1];
            assert.equal(readFileSync(`/sys/fs/cgroup/memory${memCgroup}/memory.limit_in_bytes`, 'utf8').trim(), String(96 * 2 ** 20));
          }
          // sleep is pid 1 of its namespace and ignores SIGTERM: the client falls back to SIGKILL.
          assert.equal(await client.stopContainer(name), 137);
        } finally {
          client.remove(name);
        }
        assert.notEqual(client.status(name), 'running');
      });
    }
  });
}

