// Benchmark driver for scripts/bench/run.sh: times tsrun and runc side by side.
// Each timed region is one spawnSync of one command (process.hrtime.bigint() before and after);
// the setup and teardown steps around it (create before start, wait for "stopped" before delete...)
// run untimed. tsrun and runc alternate iteration by iteration so drift hits both alike.
//
// usage: tsx driver.ts --workdir DIR --config FILE --rootfs DIR --tsrun FILE --runc FILE --runs N --warmup N --out FILE [--time FILE]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    workdir: { type: 'string' }, // holds bundles/, tsrun-root/, runc-root/
    config: { type: 'string' }, // the config.json every bundle is made from
    rootfs: { type: 'string' },
    tsrun: { type: 'string' }, // path of dist/tsrun
    runc: { type: 'string' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    out: { type: 'string' },
    time: { type: 'string' }, // GNU time, for peak RSS; absent = skip
  },
});
const need = (k: keyof typeof opt): string => {
  const v = opt[k];
  if (typeof v !== 'string' || v === '') throw new Error(`driver: --${k} is required`);
  return v;
};
const workdir = need('workdir');
const rootfs = need('rootfs');
const runs = Number(need('runs'));
const warmup = Number(need('warmup'));
const out = need('out');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${opt.runs}`);
if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`BENCH_WARMUP must be a non-negative integer, got ${opt.warmup}`);
const template = JSON.parse(readFileSync(need('config'), 'utf8'));

type Argv = [string, ...string[]];
type Runtime = { name: 'tsrun' | 'runc'; argv: Argv };
// Executed as containerd, dockerd and podman execute it: the file itself, through its loader.
const tsrun: Runtime = { name: 'tsrun', argv: [need('tsrun'), '--root', join(workdir, 'tsrun-root')] };
const runc: Runtime = { name: 'runc', argv: [need('runc'), '--root', join(workdir, 'runc-root')] };
const runtimes = [tsrun, runc];

/**
 * Runs argv to completion; throws with the command and its stderr if it fails.
 * stdout and stderr go to files, not pipes: the container init that `create` leaves behind
 * inherits them, and spawnSync would wait for EOF on a pipe until that init exits.
 */
const outFile = join(workdir, 'cmd.stdout');
const errFile = join(workdir, 'cmd.stderr');
function exec([file, ...args]: Argv, env: NodeJS.ProcessEnv = process.env): { ms: number; stdout: string } {
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  let r: ReturnType<typeof spawnSync>;
  let ns: bigint;
  try {
    const t0 = process.hrtime.bigint();
    r = spawnSync(file, args, { stdio: ['ignore', outFd, errFd], env });
    ns = process.hrtime.bigint() - t0;
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`command failed (status ${r.status}, signal ${r.signal}): ${[file, ...args].join(' ')}\n${readFileSync(errFile, 'utf8')}`);
  }
  return { ms: Number(ns) / 1e6, stdout: readFileSync(outFile, 'utf8') };
}

let seq = 0;
/** A fresh container id and its bundle: the template config with cgroupsPath /tsrun-bench/<id>. */
function newBundle(rt: Runtime, step: string): { id: string; bundle: string } {
  const id = `b${process.pid}-${rt.name}-${step}-${seq++}`;
  const bundle = join(workdir, 'bundles', id);
  mkdirSync(bundle, { recursive: true });
  const config = structuredClone(template);
  config.root.path = rootfs;
  config.linux.cgroupsPath = `/tsrun-bench/${id}`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  return { id, bundle };
}

const cmd = (rt: Runtime, ...args: string[]): Argv => [...rt.argv, ...args];

function waitStopped(rt: Runtime, id: string): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const state = JSON.parse(exec(cmd(rt, 'state', id)).stdout);
    if (state.status === 'stopped') return;
    if (Date.now() > deadline) throw new Error(`${rt.name}: container ${id} still ${state.status} after 10s`);
  }
}

/** One iteration of one measurement; returns the timed command's milliseconds. */
type Step = 'run' | 'create' | 'start' | 'state' | 'kill' | 'delete';
const steps: Record<Step, (rt: Runtime) => number> = {
  run(rt) {
    const { id, bundle } = newBundle(rt, 'run');
    return exec(cmd(rt, 'run', '--bundle', bundle, id)).ms; // deletes the container itself (no --keep)
  },
  create(rt) {
    const { id, bundle } = newBundle(rt, 'create');
    const ms = exec(cmd(rt, 'create', '--bundle', bundle, id)).ms;
    exec(cmd(rt, 'delete', '--force', id));
    return ms;
  },
  start(rt) {
    const { id, bundle } = newBundle(rt, 'start');
    exec(cmd(rt, 'create', '--bundle', bundle, id));
    const ms = exec(cmd(rt, 'start', id)).ms;
    waitStopped(rt, id);
    exec(cmd(rt, 'delete', id));
    return ms;
  },
  state(rt) {
    // state of a created container (its init is alive, waiting for start)
    const { id, bundle } = newBundle(rt, 'state');
    exec(cmd(rt, 'create', '--bundle', bundle, id));
    const ms = exec(cmd(rt, 'state', id)).ms;
    exec(cmd(rt, 'delete', '--force', id));
    return ms;
  },
  kill(rt) {
    // runc's kill needs a live init: kill the created container's init with SIGKILL
    const { id, bundle } = newBundle(rt, 'kill');
    exec(cmd(rt, 'create', '--bundle', bundle, id));
    const ms = exec(cmd(rt, 'kill', id, 'KILL')).ms;
    waitStopped(rt, id);
    exec(cmd(rt, 'delete', id));
    return ms;
  },
  delete(rt) {
    // delete of a stopped container (created, started, /bin/true exited)
    const { id, bundle } = newBundle(rt, 'delete');
    exec(cmd(rt, 'create', '--bundle', bundle, id));
    exec(cmd(rt, 'start', id));
    waitStopped(rt, id);
    return exec(cmd(rt, 'delete', id)).ms;
  },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const at = (i: number): number => s[i] ?? NaN;
  return s.length % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
};

// node -e 0: the floor for any Node CLI (same node binary that runs tsrun). Node's own start is
// measured without NODE_EXTRA_CA_CERTS, which Node 20 parses before any script runs (~40 ms for
// the system bundle some machines, this one included, name there) and which tsrun's loader moves
// aside: the ratio is to Node's bare start, the stricter floor. node -e 0 with the environment as
// it is gets its own line.
const bareEnv = { ...process.env };
delete bareEnv.NODE_EXTRA_CA_CERTS;
const nodeFloor = (): number => exec([process.execPath, '-e', '0'], bareEnv).ms;
const nodeAsIs: number[] = [];

const stepNames: Step[] = ['run', 'create', 'start', 'state', 'kill', 'delete'];
const results: { step: Step; tsrun: number; runc: number; node: number }[] = [];
const nodeSamples: number[] = [];
for (const step of stepNames) {
  const samples = { tsrun: [] as number[], runc: [] as number[], node: [] as number[] };
  for (let i = 0; i < warmup + runs; i++) {
    // alternate which runtime goes first, then the node -e 0 floor
    const order = i % 2 ? [runc, tsrun] : [tsrun, runc];
    const t = { tsrun: 0, runc: 0 };
    for (const rt of order) t[rt.name] = steps[step](rt);
    const node = nodeFloor();
    if (process.env.NODE_EXTRA_CA_CERTS && i % 3 === 0) nodeAsIs.push(exec([process.execPath, '-e', '0']).ms);
    if (i < warmup) continue;
    samples.tsrun.push(t.tsrun);
    samples.runc.push(t.runc);
    samples.node.push(node);
    nodeSamples.push(node);
  }
  const r = { step, tsrun: median(samples.tsrun), runc: median(samples.runc), node: median(samples.node) };
  results.push(r);
  process.stderr.write(`  ${step.padEnd(6)} tsrun ${r.tsrun.toFixed(1)} ms, runc ${r.runc.toFixed(1)} ms, node -e 0 ${r.node.toFixed(1)} ms\n`);
}

// node -e 0 is sampled once per iteration of every step, interleaved with the runtimes. Each row's
// ratio is to the floor sampled in that row's own iterations: a cell takes ~20 s, and this machine's
// speed drifts by 10-40 % over the two minutes of a run (Node's start measured 58 to 70 ms within one
// hour here), so a floor taken over the whole run would judge a cell by another moment's machine.
// The median over all rows is printed too.
const nodeAll = median(nodeSamples);

// Peak RSS (GNU time's %M, KiB: the largest max-resident-set of the process tree it waited for) of `run`.
const rss = { tsrun: [] as number[], runc: [] as number[] };
const rssRuns = Math.min(runs, 10);
if (opt.time) {
  for (let i = 0; i < rssRuns; i++) {
    for (const rt of runtimes) {
      const { id, bundle } = newBundle(rt, 'rss');
      const file = join(workdir, `rss-${id}`);
      exec([opt.time, '-f', '%M', '-o', file, ...cmd(rt, 'run', '--bundle', bundle, id)]);
      rss[rt.name].push(Number(readFileSync(file, 'utf8').trim().split('\n').pop()));
    }
  }
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const targets: Record<Step, number> = { run: 1.2, create: 1.15, start: 1.15, state: 1.15, kill: 1.15, delete: 1.15 };
const lines: string[] = [];
lines.push(`| command | tsrun median ms | runc median ms | node -e 0 median ms | tsrun / node -e 0 | target | tsrun / runc |`);
lines.push(`|---|---:|---:|---:|---:|---:|---:|`);
for (const r of results) {
  const ratio = r.tsrun / r.node;
  const mark = ratio <= targets[r.step] ? 'met' : 'missed';
  lines.push(`| ${r.step} | ${f1(r.tsrun)} | ${f1(r.runc)} | ${f1(r.node)} | ${f2(ratio)}x | ${f2(targets[r.step])}x (${mark}) | ${f2(r.tsrun / r.runc)}x |`);
}
lines.push('');
lines.push(`node -e 0 column: the median of the floor samples interleaved with that row's own runs (over all rows: ${f1(nodeAll)} ms).`);
lines.push('');
if (nodeAsIs.length > 0) {
  lines.push(`node -e 0 with this environment's NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}) set: ${f1(median(nodeAsIs))} ms; the floor above is without it.`);
  lines.push('');
}
if (opt.time) {
  const mt = median(rss.tsrun), mr = median(rss.runc);
  lines.push(`Peak RSS of \`run\` (GNU time %M, median of ${rssRuns}): tsrun ${(mt / 1024).toFixed(1)} MiB, runc ${(mr / 1024).toFixed(1)} MiB (${f2(mt / mr)}x)`);
} else {
  lines.push('Peak RSS: skipped (no GNU time at /usr/bin/time; apt-get install time)');
}
lines.push('');
const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
const firstLine = (text: string): string => text.split('\n')[0] ?? '';
const runcVersion = firstLine(exec([need('runc'), '--version']).stdout);
const tsrunVersion = firstLine(exec([need('tsrun'), '--version']).stdout);
lines.push(`${runs} timed runs per cell after ${warmup} warm-up runs; node ${process.version}; ${tsrunVersion}; ${runcVersion}; ${cpu}; ${new Date().toISOString()}`);
const table = lines.join('\n') + '\n';
process.stdout.write(table);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, table);
