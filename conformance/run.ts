/**
 * npm run conformance                      our runtime-spec requirement suite (TAP, then "N passed, M failed")
 * npm run conformance -- --runtime-tools DIR [--runtime PATH] [--baseline runc] [--only a,b] [--timeout S]
 *                                          the OCI runtime-tools validation executables of a tree built by
 *                                          the user, against tsrun (and the baseline), with a report in
 *                                          conformance/results/runtime-tools.{json,md}
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    'runtime-tools': { type: 'string' },
    runtime: { type: 'string', default: join(project, 'dist/tsrun') },
    baseline: { type: 'string' },
    only: { type: 'string' },
    timeout: { type: 'string', default: '120' },
    out: { type: 'string', default: join(project, 'conformance/results') },
  },
});

if (values['runtime-tools']) {
  const { runRuntimeTools } = await import('./runtime-tools/run-runtime-tools.ts');
  const { markdown } = await runRuntimeTools({
    tree: values['runtime-tools'],
    runtime: values.runtime!,
    baseline: values.baseline,
    only: values.only?.split(','),
    timeoutSec: Number(values.timeout),
    outDir: values.out!,
  });
  process.stdout.write(`\n${markdown}`);
} else {
  const { runRequirements } = await import('./requirements/run-requirements.ts');
  process.exitCode = await runRequirements();
}
