/**
 * `run --rm IMAGE true` through containerd (ctr), dockerd and podman, with tsrun and with runc as
 * the runtime, alternating run by run; median of BENCH_RUNS (default 15) after BENCH_WARMUP (3).
 * The daemons are the tests' own (runtime/test/clients/daemons.ts), under a fresh temporary
 * directory that is removed at the end with every mount and cgroup they made.
 *   npm run bench:clients   (root; writes scripts/bench/results/clients.md)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBusyboxArchive } from '../../runtime/test/clients/busybox-image.ts';
import { cgroupsUnder, podman, removeCgroupParent, startContainerd, startDockerd, unmountUnder, type Daemon } from '../../runtime/test/clients/daemons.ts';

const here = dirname(fileURLToPath(import.meta.url));
const TSRUN = join(here, '../../dist/tsrun');
const RUNC = spawnSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).stdout.trim();
const runs = Number(process.env.BENCH_RUNS ?? 15);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const parent = `tsrun-bench-clients-${process.pid}`;
if (!RUNC) throw new Error('runc not found');

interface Bench { name: string; daemon: Daemon; run: (rt: 'tsrun' | 'runc', n: number) => string[] }

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

function time(d: Daemon, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = d.cli(args);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return ms;
}

const work = mkdtempSync(join(tmpdir(), 'tsrun-bench-clients-'));
const daemons: Daemon[] = [];
try {
  const archive = join(work, 'busybox.tar');
  buildBusyboxArchive(archive);
  const ctr = await startContainerd(join(work, 'containerd'));
  daemons.push(ctr);
  ctr.cli(['image', 'import', archive]);
  const docker = await startDockerd(join(work, 'docker'), { tsrun: TSRUN, 'runc-reference': RUNC }, `/${parent}`);
  daemons.push(docker);
  docker.cli(['load', '-i', archive]);
  const pod = podman(join(work, 'podman'), { tsrun: TSRUN, runc: RUNC });
  daemons.push(pod);
  pod.cli(['load', '-i', archive]);
  const benches: Bench[] = [
    { name: 'containerd (ctr run --rm)', daemon: ctr, run: (rt, n) => ['run', '--rm', '--runc-binary', rt === 'tsrun' ? TSRUN : RUNC, '--cgroup', `/${parent}/c${n}`, 'docker.io/tsrun-test/busybox:latest', `b${n}`, 'true'] },
    { name: 'docker (docker run --rm)', daemon: docker, run: (rt) => ['run', '--rm', '--runtime', rt === 'tsrun' ? 'tsrun' : 'runc-reference', 'tsrun-test/busybox', 'true'] },
    { name: 'podman (podman run --rm)', daemon: pod, run: (rt) => ['run', '--rm', '--runtime', rt, '--cgroup-parent', `/${parent}`, 'localhost/tsrun-test/busybox', 'true'] },
  ];
  const lines = ['| client | tsrun median ms | runc median ms | tsrun / runc | target |', '|---|---:|---:|---:|---:|'];
  let n = 0;
  for (const b of benches) {
    const samples = { tsrun: [] as number[], runc: [] as number[] };
    for (let i = 0; i < warmup + runs; i++) {
      for (const rt of (i % 2 ? ['runc', 'tsrun'] : ['tsrun', 'runc']) as ('tsrun' | 'runc')[]) {
        const ms = time(b.daemon, b.run(rt, ++n));
        if (i >= warmup) samples[rt].push(ms);
      }
    }
    const t = median(samples.tsrun), r = median(samples.runc);
    process.stderr.write(`  ${b.name}: tsrun ${t.toFixed(0)} ms, runc ${r.toFixed(0)} ms\n`);
    lines.push(`| ${b.name} | ${t.toFixed(0)} | ${r.toFixed(0)} | ${(t / r).toFixed(2)}x | 1.30x (${t / r <= 1.3 ? 'met' : 'missed'}) |`);
  }
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  lines.push('', `${runs} timed runs per cell after ${warmup} warm-up runs, tsrun and runc alternating; ${cpu}; ${new Date().toISOString()}`);
  const out = join(here, 'results/clients.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  for (const d of daemons.reverse()) await d.stop();
  unmountUnder(work);
  const left = cgroupsUnder(parent).filter((d) => !d.endsWith('/conmon'));
  removeCgroupParent(parent);
  rmSync(work, { recursive: true, force: true });
  if (left.length) process.stderr.write(`bench: container cgroups were left: ${left.join(' ')}\n`);
}
