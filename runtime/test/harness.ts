/**
 * Test harness: real containers through the real CLI (dist/tsrun), each test under a fresh
 * temporary root with its own state directory and its own cgroup parent, removed even on failure.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, openSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSpec } from '../container/default-spec.ts';

export const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const TSRUN = join(PROJECT, 'dist/tsrun');

if (!existsSync(TSRUN)) throw new Error(`${TSRUN} is missing: run npm run build first`);
if (process.getuid?.() !== 0) throw new Error('these tests run real containers and need root');

export type Config = ReturnType<typeof defaultSpec> & Record<string, any>;

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let sharedRootfs: string | undefined;
/** A busybox rootfs made once per test process (read-only in containers that share it). */
export function busyboxRootfs(into?: string): string {
  if (!into && sharedRootfs) return sharedRootfs;
  const dir = into ?? join(mkdtempSync(join(tmpdir(), 'tsrun-rootfs-')), 'rootfs');
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find(existsSync);
  if (!busybox) throw new Error('busybox not found: apt-get install busybox-static');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  cpSync(busybox, join(dir, 'bin/busybox'));
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nuser:x:1000:\n');
  if (!into) {
    sharedRootfs = dir;
    process.on('exit', () => rmSync(dirname(dir), { recursive: true, force: true }));
  }
  return dir;
}

export class TestRoot {
  readonly dir: string;
  readonly state: string;
  readonly cgroupParent: string;
  private n = 0;

  constructor(name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `tsrun-test-${name}-`));
    chmodSync(this.dir, 0o755); // a container in a user namespace (mapped root) must reach its rootfs
    this.state = join(this.dir, 'state');
    this.cgroupParent = `tsrun-test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** A fresh container id. */
  id(prefix = 'c'): string {
    return `${prefix}${++this.n}`;
  }

  /** The default spec, non-interactive, in this root's cgroup parent, running args. */
  config(id: string, args: string[], rootfs = busyboxRootfs()): Config {
    const c = defaultSpec(false) as Config;
    c.process.terminal = false;
    c.process.args = args;
    c.root = { path: rootfs, readonly: true };
    (c.linux as Record<string, unknown>).cgroupsPath = `/${this.cgroupParent}/${id}`;
    return c;
  }

  /** Writes a bundle directory holding config.json. */
  bundle(id: string, config: object): string {
    const dir = join(this.dir, `bundle-${id}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
    return dir;
  }

  /**
   * tsrun with this root's --root. Output goes to files, not pipes: a detached container keeps
   * the stdio it was given, and a pipe would hold spawnSync until the container ends.
   */
  tsrun(args: string[], opts: SpawnSyncOptions & { extraFds?: number[] } = {}): Result {
    const out = join(this.dir, `out-${++this.n}`), err = join(this.dir, `err-${this.n}`);
    const o = openSync(out, 'w'), e = openSync(err, 'w');
    try {
      const r = spawnSync('node', [TSRUN, '--root', this.state, ...args], { timeout: 60_000, stdio: ['ignore', o, e, ...(opts.extraFds ?? [])], ...opts });
      return { status: r.status, signal: r.signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
    } finally {
      closeSync(o);
      closeSync(e);
      rmSync(out, { force: true });
      rmSync(err, { force: true });
    }
  }

  /** Runs a container in the foreground and returns what it printed. */
  run(id: string, config: object, extra: string[] = []): Result {
    const bundle = this.bundle(id, config);
    return this.tsrun(['run', '--bundle', bundle, ...extra, id]);
  }

  /** cgroup directories of this root's parent that still exist, in every hierarchy. */
  leftoverCgroups(): string[] {
    const found: string[] = [];
    for (const h of cgroupRoots()) {
      const p = join(h, this.cgroupParent);
      if (!existsSync(p)) continue;
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) { found.push(join(d, e.name)); walk(join(d, e.name)); }
      };
      walk(p);
    }
    return found;
  }

  /** Container ids that still have a state directory. */
  leftoverState(): string[] {
    return existsSync(this.state) ? readdirSync(this.state) : [];
  }

  cleanup(): void {
    for (const id of this.leftoverState()) this.tsrun(['delete', '--force', id]);
    for (const h of cgroupRoots()) {
      const p = join(h, this.cgroupParent);
      if (!existsSync(p)) continue;
      const dirs: string[] = [];
      const walk = (d: string) => { dirs.push(d); for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name)); };
      walk(p);
      for (const d of dirs.reverse()) { try { rmdirSync(d); } catch { /* busy: reported by the test */ } }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether /sys/fs/cgroup is a pure cgroup v2 hierarchy (the v2 guest), not this machine's hybrid layout. */
export const UNIFIED = existsSync('/sys/fs/cgroup/cgroup.controllers');

/** The root of every cgroup hierarchy: each v1 controller's mount, or the one v2 tree. */
function cgroupRoots(): string[] {
  if (UNIFIED) return ['/sys/fs/cgroup'];
  return existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h)) : [];
}

/**
 * Live processes of this checkout's tsrun-init, by argv[0]: after its sealed re-exec the helper's
 * /proc/PID/exe is a memfd, but its command line still names the binary. Zombies hold nothing.
 */
export function liveHelpers(): number[] {
  const helper = join(PROJECT, 'runtime/native/build/tsrun-init');
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0] === helper && !/\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }).map(Number);
}

/**
 * Mounts in this (the host's) mount namespace whose mount point is one of tsrun's: the test roots,
 * rootfs copies and state dirs all have "tsrun" in their paths, and a mount tsrun leaked on the
 * host would sit on one of them. Counting every mount instead made the check fail whenever
 * something else on the machine (another tool's tests, a daemon) mounted meanwhile.
 */
export function mountCount(): number {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => (l.split(' ')[4] ?? '').includes('tsrun')).length;
}

/**
 * `tsrun events --interval` on a container, in the background: the JSON lines so far and the
 * promise of its exit code (events ends when the container stops).
 */
export function watchEvents<E = { type: string; id: string; data?: any }>(root: TestRoot, id: string, interval: string): { events: () => E[]; exited: Promise<number | null> } {
  const child = spawn('node', [TSRUN, '--root', root.state, 'events', '--interval', interval, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { events: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as E), exited };
}

/** Polls until fn is true or the time is up. */
export async function waitFor(fn: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return fn();
}

/**
 * A TestRoot for the enclosing describe(): made before its tests, and after them cleaned up with
 * the check every suite makes, that no cgroup of the root's parent is left.
 */
export function useTestRoot(name: string, hooks: { before: (fn: () => void) => void; after: (fn: () => void) => void }): () => TestRoot {
  let root: TestRoot | undefined;
  hooks.before(() => { root = new TestRoot(name); });
  hooks.after(() => {
    if (!root) return;
    const left = root.leftoverCgroups();
    root.cleanup();
    if (left.length > 0) throw new Error(`cgroups left behind: ${left.join(' ')}`);
  });
  return () => {
    if (!root) throw new Error('the test root is made in before()');
    return root;
  };
}
