/**
 * The real clients, each started by the tests under a temporary directory of its own: containerd
 * (driven with ctr), dockerd (with its managed containerd) and podman (daemonless, through
 * conmon). Networking is off and the cgroupfs driver is used: there is no systemd here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Result { status: number | null; stdout: string; stderr: string }

/** Runs a client command; with tty, under script(1) so that the client has a terminal. */
export function runCommand(argv: string[], opts: { tty?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Result {
  const [cmd, args] = opts.tty
    ? ['script', ['-qec', `${argv.map(shellQuote).join(' ')}; echo "exit=$?"`, '/dev/null']]
    : [argv[0]!, argv.slice(1)];
  const r = spawnSync(cmd, args as string[], { encoding: 'utf8', env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  let status = r.status;
  let stdout = r.stdout ?? '';
  if (opts.tty) {
    const m = /exit=(\d+)\s*$/.exec(stdout);
    status = m ? Number(m[1]) : null;
    stdout = stdout.replace(/exit=\d+\s*$/, '');
  }
  return { status, stdout, stderr: r.stderr ?? '' };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function waitUntil(what: string, ok: () => boolean, log: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up in ${ms} ms; its log:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : '(none)'}`);
}

export interface Daemon {
  /** the client's command line, ready to take arguments */
  cli: (args: string[], opts?: { tty?: boolean }) => Result;
  stop: () => Promise<void>;
}

/** The daemon logs to a file: a pipe nobody reads would stall it. */
function daemonProcess(argv: string[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', out, out] });
  closeSync(out);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startContainerd(dir: string): Promise<Daemon> {
  mkdirSync(dir, { recursive: true });
  const sock = join(dir, 'containerd.sock');
  writeFileSync(join(dir, 'config.toml'), [
    'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]', `  address = "${sock}"`,
    '[ttrpc]', `  address = "${sock}.ttrpc"`,
  ].join('\n'));
  const log = join(dir, 'containerd.log');
  const child = daemonProcess(['containerd', '--config', join(dir, 'config.toml')], log);
  const cli = (args: string[], opts: { tty?: boolean } = {}) => runCommand(['ctr', '-a', sock, '-n', 'tsrun-test', ...args], opts);
  await waitUntil('containerd', () => cli(['version']).status === 0, log);
  return { cli, stop: () => stopProcess(child) };
}

export async function startDockerd(dir: string, runtimes: Record<string, string>, cgroupParent: string): Promise<Daemon> {
  mkdirSync(dir, { recursive: true });
  const sock = join(dir, 'docker.sock');
  writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ runtimes: Object.fromEntries(Object.entries(runtimes).map(([k, path]) => [k, { path }])) }));
  const log = join(dir, 'dockerd.log');
  const child = daemonProcess(['dockerd', '--config-file', join(dir, 'daemon.json'), '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'docker.pid'), '-H', `unix://${sock}`, '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-forward=false',
    '--exec-opt', 'native.cgroupdriver=cgroupfs', '--cgroup-parent', cgroupParent], log);
  // --ip-forward=false: dockerd would otherwise turn on the host's net.ipv4.ip_forward.
  // Debian's client, not another one earlier on PATH: it must match the 20.10 daemon.
  const cli = (args: string[], opts: { tty?: boolean } = {}) => runCommand(['/usr/bin/docker', '-H', `unix://${sock}`, ...args], opts);
  await waitUntil('dockerd', () => cli(['version']).status === 0, log, 60_000);
  return { cli, stop: () => stopProcess(child) };
}

/** podman has no daemon: its configuration lives in files under dir, named by the environment. */
export function podman(dir: string, runtimes: Record<string, string>): Daemon {
  mkdirSync(dir, { recursive: true });
  // Root here lacks CAP_SYS_RESOURCE: podman's default nofile/nproc of 1048576 would be above the hard limit.
  writeFileSync(join(dir, 'containers.conf'), [
    '[containers]', 'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]', 'netns = "none"',
    '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"', `tmp_dir = "${dir}/tmp"`,
    '[engine.runtimes]', ...Object.entries(runtimes).map(([k, path]) => `${k} = ["${path}"]`),
  ].join('\n'));
  writeFileSync(join(dir, 'storage.conf'), ['[storage]', 'driver = "overlay"', `runroot = "${dir}/runroot"`, `graphroot = "${dir}/graph"`].join('\n'));
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  const base = ['podman', '--root', join(dir, 'graph'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'tmp'), '--events-backend', 'file'];
  const cli = (args: string[], opts: { tty?: boolean } = {}) => runCommand([...base, ...args], { ...opts, env });
  return { cli, stop: async () => { cli(['rm', '--all', '--force']); } };
}

/** Unmounts whatever is still mounted under dir (deepest first), without crossing into anything else. */
export function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p]);
}

/** The root of every cgroup hierarchy: each v1 controller's mount, or the one pure v2 tree (the qemu guest of npm run test:v2). */
function cgroupRoots(): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h)) : [];
}

/** cgroup directories under parent in every hierarchy, deepest first. */
export function cgroupsUnder(parent: string): string[] {
  const found: string[] = [];
  for (const root of cgroupRoots()) {
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) { walk(join(d, e.name)); found.push(join(d, e.name)); }
    };
    walk(join(root, parent));
  }
  return found;
}

export function removeCgroupParent(parent: string): void {
  for (const d of cgroupsUnder(parent)) { try { rmdirSync(d); } catch { /* busy: the test reports it */ } }
  for (const root of cgroupRoots()) {
    try { rmdirSync(join(root, parent)); } catch { /* absent */ }
  }
}
