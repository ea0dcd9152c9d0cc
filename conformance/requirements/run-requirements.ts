/**
 * The runtime-spec requirement suite: runs every scenario (a container whose facts tsrun-check
 * reads from the inside) and lifecycle check (the CLI seen from outside), then reports each
 * requirement of the catalogue (spec-requirements.json) as TAP: covered and passed, covered and
 * failed, or not covered yet; last the line `N passed, M failed`.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestRoot, busyboxRootfs } from '../../runtime/test/harness.ts';
import { COVERAGE } from './coverage.ts';
import type { Facts } from './facts.ts';
import { LIFECYCLE_CHECKS } from './lifecycle-checks.ts';
import { SCENARIOS } from './scenarios.ts';

interface Requirement { id: string; doc: string; section: string; level: string; text: string; subject: string }

const here = dirname(fileURLToPath(import.meta.url));
export const CHECKER = join(here, '../checker/build/tsrun-check');

export function loadCatalogue(): Requirement[] {
  return JSON.parse(readFileSync(join(here, 'spec-requirements.json'), 'utf8')) as Requirement[];
}

/** Every check by its name, for the coverage table. */
export function checkNames(): string[] {
  return [
    ...SCENARIOS.flatMap((s) => Object.keys(s.checks).map((c) => `${s.name}/${c}`)),
    ...Object.keys(LIFECYCLE_CHECKS).map((c) => `lifecycle/${c}`),
  ];
}

async function runChecks(): Promise<Map<string, string | null>> {
  if (!existsSync(CHECKER)) throw new Error(`${CHECKER} is missing: run npm run build`);
  const results = new Map<string, string | null>(); // name -> null when passed, else the error
  const root = new TestRoot('conformance');
  try {
    const rootfs = busyboxRootfs(join(root.dir, 'rootfs'));
    copyFileSync(CHECKER, join(rootfs, 'bin/tsrun-check'));
    for (const scenario of SCENARIOS) {
      const id = root.id('scenario');
      const config = root.config(id, ['/bin/tsrun-check', ...(scenario.checkerArgs ?? [])], rootfs);
      scenario.edit?.(config);
      const r = root.run(id, config);
      let facts: Facts | undefined;
      let runError: string | undefined;
      if (r.status !== 0) runError = `the container failed (exit ${r.status}): ${r.stderr.trim()}`;
      else {
        try {
          facts = JSON.parse(r.stdout) as Facts;
        } catch (err) {
          runError = `tsrun-check printed no JSON: ${(err as Error).message}`;
        }
      }
      for (const [name, check] of Object.entries(scenario.checks)) {
        const key = `${scenario.name}/${name}`;
        if (!facts) { results.set(key, runError ?? 'no facts'); continue; }
        try {
          check(facts, config);
          results.set(key, null);
        } catch (err) {
          results.set(key, (err as Error).message.split('\n')[0] ?? 'failed');
        }
      }
    }
    for (const [name, check] of Object.entries(LIFECYCLE_CHECKS)) {
      try {
        await check(root);
        results.set(`lifecycle/${name}`, null);
      } catch (err) {
        results.set(`lifecycle/${name}`, (err as Error).message.split('\n')[0] ?? 'failed');
      }
    }
  } finally {
    root.cleanup();
  }
  return results;
}

export async function runRequirements(): Promise<number> {
  const catalogue = loadCatalogue();
  const results = await runChecks();
  const lines: string[] = [];
  let passed = 0, failed = 0, n = 0;
  const uncovered: Requirement[] = [];
  for (const req of catalogue) {
    const checks = COVERAGE[req.id];
    if (!checks) {
      if (req.subject === 'runtime') uncovered.push(req);
      continue;
    }
    const failures = checks.map((c) => [c, results.get(c)] as const).filter(([, e]) => e !== null);
    const title = `${req.id} [${req.level}] ${req.text.replace(/\s+/g, ' ').slice(0, 160)}`;
    n++;
    if (failures.length === 0) {
      passed++;
      lines.push(`ok ${n} - ${title}`);
    } else {
      failed++;
      lines.push(`not ok ${n} - ${title}`);
      lines.push('  ---');
      for (const [c, e] of failures) lines.push(`  ${JSON.stringify(c)}: ${JSON.stringify(e ?? 'check missing')}`);
      lines.push('  ...');
    }
  }
  const runtimeReqs = catalogue.filter((r) => r.subject === 'runtime');
  const out = [
    'TAP version 13',
    ...lines,
    `1..${n}`,
    `# covered ${n} of ${runtimeReqs.length} requirements that bind the runtime (${catalogue.length - runtimeReqs.length} more bind the config author and are enforced by schema validation in spec/)`,
    '# not covered yet:',
    ...uncovered.map((r) => `#   ${r.id} [${r.level}] ${r.text.replace(/\s+/g, ' ').slice(0, 120)}`),
    `${passed} passed, ${failed} failed`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return failed > 0 ? 1 : 0;
}
