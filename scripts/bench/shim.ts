/**
 * containerd-shim-tsrun-v2 against containerd-shim-runc-v2 (+ runc), in one containerd started
 * under a temp dir (runtime/shim/test/shim-env.ts): the wall time of `ctr run --rm IMAGE id true`,
 * alternating the two runtimes run by run, and the memory of the shims with N containers running.
 *   npm run bench:shim   (root; BENCH_RUNS=15 BENCH_WARMUP=3 BENCH_CONTAINERS=50;
 *                         writes scripts/bench/results/shim.md)
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE, leftovers, startShimEnv } from '../../runtime/shim/test/shim-env.ts';

const here = dirname(fileURLToPath(import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const containers = Number(process.env.BENCH_CONTAINERS ?? 50);
const IDLE_MS = 3000;
const RUNTIMES = { tsrun: 'io.containerd.tsrun.v2', runc: 'io.containerd.runc.v2' } as const;
type Rt = keyof typeof RUNTIMES;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** kB of VmRSS and of Pss (shared pages split between their users) of one process. */
function memoryOf(pid: number): { rss: number; pss: number } {
  try {
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    return { rss, pss };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

function processesWith(needle: string): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle); } catch { return false; }
  });
}

const childrenOf = (pid: number) => readdirSync(`/proc/${pid}/task`).flatMap((t) => {
  try { return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number); } catch { return []; }
});

process.env.TSRUN_SHIM_IDLE_MS = String(IDLE_MS); // containerd passes it on to the shims
const env = await startShimEnv('bench');
let n = 0;
try {
  const timeRun = (rt: Rt): number => {
    const id = `b${++n}`;
    const t0 = process.hrtime.bigint();
    const r = env.ctr(['run', '--rm', '--runtime', RUNTIMES[rt], '--cgroup', `/${env.cgroupParent}/${id}`, IMAGE, id, 'true']);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`ctr run with ${rt}: ${r.stderr}`);
    return ms;
  };
  const times: Record<Rt, number[]> = { tsrun: [], runc: [] };
  for (let i = 0; i < warmup + runs; i++) {
    for (const rt of (i % 2 ? ['runc', 'tsrun'] : ['tsrun', 'runc']) as Rt[]) {
      const ms = timeRun(rt);
      if (i >= warmup) times[rt].push(ms);
    }
  }
  // Cold: no tsrun shim running (it exits IDLE_MS after its last container), so start forks a daemon.
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    while (env.shimPids().length) await sleep(200);
    cold.push(timeRun('tsrun'));
  }

  // Memory: N containers of each runtime running at once.
  const sock = join(env.dir, 'containerd/containerd.sock');
  const memory: Record<Rt, { shims: number; rss: number; pss: number; helpers: number; helperRss: number; helperPss: number }> = {} as never;
  for (const rt of ['tsrun', 'runc'] as Rt[]) {
    const ids = Array.from({ length: containers }, (_, i) => `m-${rt}-${i}`);
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(ids.slice(i, i + 10).map((id) => new Promise<void>((resolve, reject) => {
        const c = spawn('ctr', ['-a', sock, '-n', 'tsrun-test', 'run', '-d', '--runtime', RUNTIMES[rt], '--cgroup', `/${env.cgroupParent}/${id}`, IMAGE, id, 'sleep', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (b: Buffer) => { err += b; });
        c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ctr run -d ${id} with ${rt}: exit ${code}: ${err}`))));
      })));
    }
    await sleep(1000);
    const shims = processesWith(rt === 'tsrun' ? 'containerd-shim-tsrun-v2' : 'containerd-shim-runc-v2').filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(sock));
    const helpers = rt === 'tsrun' ? shims.flatMap(childrenOf) : [];
    const sum = (pids: number[]) => pids.map(memoryOf).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 });
    const s = sum(shims), h = sum(helpers);
    memory[rt] = { shims: shims.length, rss: s.rss, pss: s.pss, helpers: helpers.length, helperRss: h.rss, helperPss: h.pss };
    for (const id of ids) { env.ctr(['task', 'kill', '-s', 'SIGKILL', id]); }
    await sleep(500);
    for (const id of ids) { env.ctr(['task', 'rm', '-f', id]); env.ctr(['container', 'rm', id]); }
  }

  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const t = { tsrun: median(times.tsrun), runc: median(times.runc) };
  const text = [
    '## containerd-shim-tsrun-v2 vs containerd-shim-runc-v2 (scripts/bench/shim.ts)',
    '',
    `containerd 1.6 (Debian) under a temp dir, busybox image, ${new Date().toISOString().slice(0, 10)}; ${runs} timed runs per runtime after ${warmup} warm-up, alternating.`,
    '',
    '| `ctr run --rm IMAGE id true` | median ms |',
    '|---|---|',
    `| io.containerd.runc.v2 (runc shim + runc) | ${t.runc.toFixed(0)} |`,
    `| io.containerd.tsrun.v2, shim already running (warm) | ${t.tsrun.toFixed(0)} |`,
    `| io.containerd.tsrun.v2, no shim running (cold: start forks the daemon), median of 5 | ${median(cold).toFixed(0)} |`,
    `| ratio tsrun warm / runc | ${(t.tsrun / t.runc).toFixed(2)} |`,
    '',
    `| ${containers} containers running (sleep) | shim processes | shims' RSS MB | shims' PSS MB | helpers (tsrun-init, one per container) | helpers' RSS MB | helpers' PSS MB | total RSS MB |`,
    '|---|---|---|---|---|---|---|---|',
    ...(['runc', 'tsrun'] as Rt[]).map((rt) => { const m = memory[rt]; return `| ${rt} | ${m.shims} | ${mb(m.rss)} | ${mb(m.pss)} | ${m.helpers} | ${mb(m.helperRss)} | ${mb(m.helperPss)} | ${mb(m.rss + m.helperRss)} |`; }),
    '',
    'The tsrun shim lingers a few seconds after its last container (TSRUN_SHIM_IDLE_MS, 10 s by default, 3 s here) so that',
    'containers run one after another find it; the warm row is that case, the cold row the first container of a namespace.',
    '',
  ].join('\n');
  process.stdout.write(text);
  writeFileSync(join(here, 'results/shim.md'), text);
} catch (err) {
  // The shim's own account of what went wrong (TSRUN_SHIM_DEBUG=1 adds every request and exit).
  try {
    const log = readFileSync(join(env.shimRoot, 'shim.log'), 'utf8');
    const id = /ctr run -d (\S+)/.exec((err as Error).message)?.[1];
    process.stderr.write(id ? log.split('\n').filter((l) => l.includes(id)).join('\n') : log.slice(-4000));
  } catch { /* no log */ }
  throw err;
} finally {
  await env.stop();
  const left = leftovers(env);
  if (left.length) process.stderr.write(`left behind: ${left.join('; ')}\n`);
}
