import { spawnSync } from 'node:child_process';
import type { CommandFn } from '../cli/command-context.ts';
import { TsrunError } from '../cli/errors.ts';
import { writeStdout } from '../cli/stdout.ts';
import { cgroupPids } from '../cgroups/cgroup-manager.ts';
import { checkContainerId } from '../container/container-id.ts';

/** ps: the container's processes from its cgroup; json is the pid list, table is ps(1) filtered (runc). */
const ps: CommandFn = (ctx, { values, positionals }) => {
  const [idArg, ...psArgs] = positionals;
  const record = ctx.store().load(checkContainerId(idArg));
  const pids = cgroupPids({ paths: record.cgroupPaths, created: [] });
  const format = (values.format as string | undefined) ?? 'table';
  if (format === 'json') {
    writeStdout(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  if (format !== 'table') throw new TsrunError(`ps: --format ${JSON.stringify(format)} is neither table nor json`);
  const r = spawnSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new TsrunError(`ps ${psArgs.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  const [header = '', ...lines] = r.stdout.split('\n');
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new TsrunError('ps: the output of ps has no PID column');
  const wanted = new Set(pids);
  writeStdout(`${[header, ...lines.filter((l) => wanted.has(Number(l.trim().split(/\s+/)[pidColumn])))].join('\n')}\n`);
  return 0;
};
export default ps;
