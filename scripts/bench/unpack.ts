// tsimg unpack vs umoci unpack (npm run bench:unpack). Run as root after `npm ci`.
// On one large image (scripts/bench/unpack-bench-image.sh: debootstrap'd Debian bookworm, ~390 MB,
// 4 gzip layers, cached under /var/tmp/tsimg-bench) it times, interleaved, BENCH_RUNS times each:
//   umoci unpack | tsimg unpack --no-overlay | tsimg unpack --overlay with an empty layer cache |
//   a second tsimg unpack --overlay of the now cached image
// and writes medians, the ratio to umoci and peak RSS (GNU time) to scripts/bench/results/unpack.md.
// By default everything runs on a tmpfs mounted for the run (this VM's disk writeback makes single
// runs vary 3x); BENCH_DISK=1 runs under /var/tmp instead. tsimg runs as one esbuild bundle of the
// CLI entry imgtool/cli/main.ts, as the shipped dist/tsimg.cjs does. All bundles, mounts and
// temp dirs are removed on exit, failure included.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { diffTrees, snapshotTree } from '../../imgtool/test/tree-snapshot.ts';

const repo = join(import.meta.dirname, '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const onDisk = process.env.BENCH_DISK === '1';
const out = process.env.BENCH_OUT ?? join(repo, 'scripts', 'bench', 'results', 'unpack.md');

if (process.getuid?.() !== 0) throw new Error('bench: must run as root (umoci, overlay mounts, device nodes)');
if (!existsSync('/usr/bin/time')) execFileSync('apt-get', ['install', '-y', 'time'], { stdio: 'inherit' });

const layoutCache = execFileSync('bash', [join(repo, 'scripts', 'bench', 'unpack-bench-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
// The shipped CLI, as users run it (npm run build makes it).
const cli = join(repo, 'dist', 'tsimg.cjs');
if (!existsSync(cli)) throw new Error('bench: dist/tsimg.cjs is missing: run npm run build first');

const work = mkdtempSync(join(onDisk ? '/var/tmp' : '/tmp', 'tsimg-bench-'));
let tmpfsMounted = false;
const overlayBundles = new Set<string>();

function cleanup(): void {
  for (const b of overlayBundles) spawnSync('node', [cli, 'rm-bundle', b]);
  if (tmpfsMounted) spawnSync('umount', [work]);
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('SIGTERM', () => { cleanup(); process.exit(143); });

interface Sample { wall: number; rssKB: number; inProcessMs?: number }

/** Runs a command under GNU time; wall seconds and peak RSS from its -f output on the last stderr line. */
function timed(cmd: string, args: string[]): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { encoding: 'utf8' });
  const line = r.stderr.trim().split('\n').reverse().find((l) => l.startsWith('TIME '));
  if (r.status !== 0 || !line) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const [, wall, rss] = line.split(' ');
  const inProcess = /, (\d+) ms\)/.exec(r.stderr);
  return { wall: Number(wall), rssKB: Number(rss), inProcessMs: inProcess ? Number(inProcess[1]) : undefined };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  if (!onDisk) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6g', 'tmpfs', work]);
    tmpfsMounted = true;
  }
  const layout = join(work, 'layout');
  execFileSync('cp', ['-a', layoutCache, layout]);
  const manifest = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0];
  const m = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', manifest.digest.slice(7)), 'utf8'));
  const compressed = m.layers.reduce((n: number, l: { size: number }) => n + l.size, 0);
  const results: Record<string, Sample[]> = { umoci: [], copy: [], overlayFirst: [], overlaySecond: [] };
  // The first run's trees are compared with umoci's: a fast unpack of the wrong tree would prove nothing.
  let equality = '';
  const compare = (umociRootfs: string, copyRootfs: string, overlayRootfs: string) => {
    const reference = snapshotTree(umociRootfs);
    const diffs = [copyRootfs, overlayRootfs].map((r) => diffTrees(reference, snapshotTree(r), 'umoci', 'tsimg'));
    if (diffs.some((d) => d.length)) throw new Error(`bench: trees differ from umoci's:\n${diffs.flat().slice(0, 10).join('\n')}`);
    equality = `Both tsimg trees equal umoci's (${reference.size} entries: paths, types, modes, owners, sizes, link targets, xattrs, mtimes of non-directories, hardlink groups).`;
  };
  for (let i = 0; i < runs; i++) {
    const u = join(work, `umoci-${i}`);
    execFileSync('sync');
    results.umoci!.push(timed('umoci', ['unpack', '--image', `${layout}:bench`, u]));

    const c = join(work, `copy-${i}`);
    execFileSync('sync');
    results.copy!.push(timed('node', [cli, 'unpack', '--root', layout, '--no-overlay', 'bench', c]));

    rmSync(join(layout, 'layers'), { recursive: true, force: true });
    const o1 = join(work, `overlay-a-${i}`);
    const o2 = join(work, `overlay-b-${i}`);
    overlayBundles.add(o1).add(o2);
    execFileSync('sync');
    results.overlayFirst!.push(timed('node', [cli, 'unpack', '--root', layout, '--overlay', 'bench', o1]));
    results.overlaySecond!.push(timed('node', [cli, 'unpack', '--root', layout, '--overlay', 'bench', o2]));
    if (i === 0) compare(join(u, 'rootfs'), join(c, 'rootfs'), join(o2, 'rootfs'));
    for (const d of [u, c]) rmSync(d, { recursive: true, force: true });
    for (const b of [o1, o2]) {
      execFileSync('node', [cli, 'rm-bundle', b]);
      overlayBundles.delete(b);
    }
    process.stderr.write(`bench: run ${i + 1}/${runs} done\n`);
  }
  const umociWall = median(results.umoci!.map((s) => s.wall));
  const row = (name: string, key: string) => {
    const s = results[key]!;
    const wall = median(s.map((x) => x.wall));
    const inProc = s[0]!.inProcessMs !== undefined ? `${median(s.map((x) => x.inProcessMs!))} ms` : '—';
    return `| ${name} | ${wall.toFixed(2)} s | ${inProc} | ${(wall / umociWall).toFixed(2)}x | ${(median(s.map((x) => x.rssKB)) / 1024).toFixed(0)} MB |`;
  };
  const table = [
    '# tsimg unpack vs umoci unpack',
    '',
    `Image: debootstrap'd Debian bookworm minbase + python3, perl, git, curl, vim-tiny, iproute2, ${m.layers.length} gzip layers, ${(compressed / 1e6).toFixed(0)} MB compressed.`,
    `Medians of ${runs} interleaved runs on ${onDisk ? 'the disk (/var/tmp)' : 'a tmpfs'}, ${cpus().length} CPUs, load average at the end ${loadavg()[0]!.toFixed(2)}; ${new Date().toISOString().slice(0, 10)}.`,
    equality,
    '',
    'Wall and peak RSS from GNU time around the whole command (tsimg as one esbuild bundle: Node and yargs start-up included); "in process" is the time tsimg reports from its handler.',
    '',
    '| command | wall (median) | in process | vs umoci | peak RSS |',
    '|---|---|---|---|---|',
    row('umoci unpack', 'umoci'),
    row('tsimg unpack --no-overlay (copy)', 'copy'),
    row('tsimg unpack --overlay, empty layer cache', 'overlayFirst'),
    row('tsimg unpack --overlay, second bundle (cached)', 'overlaySecond'),
    '',
  ].join('\n');
  writeFileSync(out, table);
  process.stdout.write(table);
} finally {
  cleanup();
}
