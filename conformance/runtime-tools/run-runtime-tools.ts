/**
 * Runs the OCI runtime-tools validation executables of a tree the user built (see README) against
 * tsrun and, with --baseline, another runtime in the same run; writes a JSON report and a markdown
 * table. Each test runs alone, with a time-out, under a scratch TMPDIR that is unmounted and removed
 * afterwards without crossing mount points; each runtime keeps its state under its own --root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cgroupDirs, removeNewCgroups, removeScratch } from './host-cleanup.ts';
import { EXPECTED_TO_PASS, MACHINE_LIMITS, NOT_TSRUN, WAITS_ON } from './machine-limits.ts';
import { judge } from './tap.ts';

export interface RuntimeToolsOptions {
  tree: string;
  runtime: string;
  baseline?: string;
  only?: string[];
  timeoutSec: number;
  outDir: string;
}

interface FileResult {
  file: string;
  runtime: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number | null;
  timedOut: boolean;
  seconds: number;
  failures: string[];
  leftMounts: string[];
  leftCgroups: string[];
}

function findTests(tree: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.t') && statSync(p).mode & 0o111) out.push(p);
    }
  };
  walk(join(tree, 'validation'));
  return out.sort();
}

/** A wrapper that gives the runtime its own --root, so tests never touch the host's containers. */
function wrapRuntime(scratch: string, name: string, runtime: string): string {
  const bin = join(scratch, 'bin', name);
  mkdirSync(dirname(bin), { recursive: true });
  const state = join(scratch, `state-${name}`);
  writeFileSync(bin, `#!/bin/sh\nexec ${runtime} --root ${state} "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

function deleteLeftoverContainers(wrapper: string): void {
  const list = spawnSync(wrapper, ['list', '-q'], { encoding: 'utf8' });
  for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) spawnSync(wrapper, ['delete', '--force', id], { stdio: 'ignore' });
}

async function runOne(test: string, tree: string, wrapper: string, runtimeName: string, scratch: string, timeoutSec: number): Promise<FileResult> {
  const name = relative(join(tree, 'validation'), test).replace(/\.t$/, '').replace(/\/[^/]+$/, '') || basename(test, '.t');
  const tmp = join(scratch, 'tmp', `${runtimeName}-${name.replace(/\//g, '_')}`);
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  const cgroupsBefore = cgroupDirs();
  const started = process.hrtime.bigint();
  let stdout = '', stderr = '';
  let timedOut = false;
  const exitCode = await new Promise<number | null>((resolveExit) => {
    const child = spawn(test, [], {
      cwd: tree,
      env: { ...process.env, RUNTIME: wrapper, TMPDIR: tmp, PATH: `${tree}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutSec * 1000);
    child.on('close', (code) => { clearTimeout(timer); resolveExit(code); });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deleteLeftoverContainers(wrapper);
  const leftMounts = removeScratch(tmp);
  const leftCgroups = removeNewCgroups(cgroupsBefore);
  const verdict = judge(stdout, stderr, exitCode, timedOut);
  return { file: name, runtime: runtimeName, passed: verdict.passed, failed: verdict.failed, skipped: verdict.skipped, exitCode, timedOut, seconds, failures: verdict.failures.slice(0, 5), leftMounts, leftCgroups };
}

function cause(file: string, r: FileResult | undefined): string {
  if (!r || r.failed === 0) return '';
  if (MACHINE_LIMITS[file]) return `machine: ${MACHINE_LIMITS[file]}`;
  if (NOT_TSRUN[file]) return NOT_TSRUN[file]!;
  if (WAITS_ON[file]) return `tsrun: needs ${WAITS_ON[file]}`;
  return `tsrun: ${r.failures[0] ?? 'failed'}`.replace(/\|/g, '\\|').slice(0, 160);
}

function markdown(results: FileResult[], runtimes: string[]): string {
  const files = [...new Set(results.map((r) => r.file))].sort();
  const get = (f: string, rt: string) => results.find((r) => r.file === f && r.runtime === rt);
  const cell = (r: FileResult | undefined) => (r ? `${r.failed === 0 ? 'PASS' : 'FAIL'} ${r.passed}/${r.failed}/${r.skipped} (${r.timedOut ? 'timeout' : `exit ${r.exitCode}`}, ${r.seconds.toFixed(1)} s${r.leftMounts.length || r.leftCgroups.length ? `, left ${r.leftMounts.length} mounts ${r.leftCgroups.length} cgroups` : ''})` : '-');
  const head = `| file | ${runtimes.map((r) => `${r} pass/fail/skip`).join(' | ')} | cause of tsrun failure |\n|---|${runtimes.map(() => '---').join('|')}|---|\n`;
  const rows = files.map((f) => `| ${f}${EXPECTED_TO_PASS.includes(f) ? ' *' : ''} | ${runtimes.map((rt) => cell(get(f, rt))).join(' | ')} | ${cause(f, get(f, runtimes[0]!))} |`).join('\n');
  const totals = runtimes.map((rt) => {
    const rs = results.filter((r) => r.runtime === rt);
    const files = rs.filter((r) => r.failed === 0).length;
    return `${rt}: ${files} of ${rs.length} files pass, ${rs.reduce((a, r) => a + r.passed, 0)} of ${rs.reduce((a, r) => a + r.passed + r.failed, 0)} assertions`;
  }).join('; ');
  return `${head}${rows}\n\n${totals}. Files marked * are the ones the conformance issue expects to pass on this machine.\n`;
}

export async function runRuntimeTools(opts: RuntimeToolsOptions): Promise<{ results: FileResult[]; markdown: string }> {
  const tree = resolve(opts.tree);
  if (!existsSync(join(tree, 'validation'))) throw new Error(`${tree}: no validation/ directory: build runtime-tools first (see README)`);
  if (!existsSync(join(tree, 'runtimetest'))) throw new Error(`${tree}/runtimetest is missing: build it with the suite's Makefile`);
  let tests = findTests(tree);
  if (opts.only?.length) tests = tests.filter((t) => opts.only!.some((o) => t.includes(`/${o}.t`) || t.includes(`/${o}/`)));
  if (tests.length === 0) throw new Error(`${tree}: no validation executables found (validation/**/*.t)`);
  const scratch = mkdtempSync('/tmp/tsrun-rt-');
  chmodSync(scratch, 0o755); // a container in a user namespace (mapped root) must reach its bundle
  const runtimes: [string, string][] = [['tsrun', resolve(opts.runtime)]];
  if (opts.baseline) runtimes.push([basename(opts.baseline), opts.baseline]);
  const results: FileResult[] = [];
  try {
    const wrappers = runtimes.map(([name, path]) => [name, wrapRuntime(scratch, name, path)] as const);
    for (const test of tests) {
      for (const [name, wrapper] of wrappers) {
        const r = await runOne(test, tree, wrapper, name, scratch, opts.timeoutSec);
        results.push(r);
        const left = [r.leftMounts.length ? `${r.leftMounts.length} mounts` : '', r.leftCgroups.length ? `${r.leftCgroups.length} cgroups` : ''].filter(Boolean).join(', ');
        process.stdout.write(`${r.failed === 0 ? 'ok' : 'not ok'} ${results.length} - ${name} ${r.file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${left ? ` (it left ${left}; removed)` : ''}\n`);
      }
    }
  } finally {
    for (const [name] of runtimes) deleteLeftoverContainers(join(scratch, 'bin', name));
    removeScratch(scratch);
  }
  const md = markdown(results, runtimes.map(([n]) => n));
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, 'runtime-tools.json'), `${JSON.stringify({ date: new Date().toISOString(), runtimes: runtimes.map(([n, p]) => ({ name: n, path: p })), results }, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'runtime-tools.md'), md);
  return { results, markdown: md };
}
