/**
 * Debian's containerd, started by the tests under a temp dir, with containerd-shim-tsrun-v2 on its
 * PATH (a directory holding a link to dist/) and the shim's own root under the same temp dir.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT } from '../../test/harness.ts';
import { buildBusyboxArchive } from '../../test/clients/busybox-image.ts';
import { cgroupsUnder, removeCgroupParent, startContainerd, unmountUnder, type Daemon } from '../../test/clients/daemons.ts';

export const SHIM = join(PROJECT, 'dist/containerd-shim-tsrun-v2');
export const IMAGE = 'docker.io/tsrun-test/busybox:latest';

export interface ShimEnv {
  dir: string;
  shimRoot: string;
  cgroupParent: string;
  ctr: Daemon['cli'];
  daemon: Daemon;
  /** the pids of every containerd-shim-tsrun-v2 process started under this env */
  shimPids(): number[];
  stop(): Promise<void>;
}

/** Processes whose environment names this env's shim root: our shims, found without a broad name match. */
function pidsWithEnv(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(marker)) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

export async function startShimEnv(label: string): Promise<ShimEnv> {
  if (!existsSync(SHIM)) throw new Error(`${SHIM} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), `tsrun-shim-${label}-`));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(SHIM, join(bin, 'containerd-shim-tsrun-v2'));
  const shimRoot = join(dir, 'shim');
  const marker = `TSRUN_SHIM_ROOT=${shimRoot}`;
  const saved = { PATH: process.env.PATH, TSRUN_SHIM_ROOT: process.env.TSRUN_SHIM_ROOT, TSRUN_SHIM_IDLE_MS: process.env.TSRUN_SHIM_IDLE_MS };
  // containerd passes its environment on to the shims it starts.
  process.env.PATH = `${bin}:${process.env.PATH}`;
  process.env.TSRUN_SHIM_ROOT = shimRoot;
  process.env.TSRUN_SHIM_IDLE_MS ??= '2000';
  let daemon: Daemon;
  try {
    daemon = await startContainerd(join(dir, 'containerd'));
  } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
  const archive = join(dir, 'busybox.tar');
  buildBusyboxArchive(archive);
  const imported = daemon.cli(['image', 'import', archive]);
  if (imported.status !== 0) throw new Error(`ctr image import: ${imported.stderr}`);
  const cgroupParent = `tsrun-shim-test-${process.pid}`;
  const env: ShimEnv = {
    dir, shimRoot, cgroupParent, daemon, ctr: daemon.cli,
    shimPids: () => pidsWithEnv(marker).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('containerd-shim-tsrun-v2')),
    async stop() {
      // env.daemon: a test may have restarted containerd.
      const d = env.daemon;
      for (const line of d.cli(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) d.cli(['task', 'rm', '-f', line]);
      for (const line of d.cli(['container', 'ls', '-q']).stdout.split('\n').filter(Boolean)) d.cli(['container', 'rm', line]);
      await d.stop();
      for (const pid of env.shimPids()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      // Whatever a failed test left running in the containers' cgroups goes too (its helper follows).
      for (let i = 0; i < 50 && killCgroupProcesses(cgroupParent) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      unmountUnder(dir);
      removeCgroupParent(cgroupParent);
      spawnSync('rm', ['-rf', '--one-file-system', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/** SIGKILLs every process in the cgroups under parent; returns how many there were. */
function killCgroupProcesses(parent: string): number {
  let n = 0;
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
  for (const d of cgroupsUnder(parent).filter((c) => unified || c.includes('/pids/') || c.includes('/memory/'))) {
    let procs: number[] = [];
    try { procs = readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { /* removed */ }
    for (const pid of procs) { n++; try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  return n;
}

/** What must be gone after the tests: shim processes, mounts under the temp dir, cgroups. */
export function leftovers(env: ShimEnv): string[] {
  const left: string[] = [];
  if (env.shimPids().length) left.push(`shim processes ${env.shimPids().join(' ')}`);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(env.dir));
  if (mounts.length) left.push(`${mounts.length} mounts under ${env.dir}`);
  const cgroups = cgroupsUnder(env.cgroupParent);
  if (cgroups.length) left.push(`cgroups ${cgroups.join(' ')}`);
  return left;
}
