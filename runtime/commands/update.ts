import { readFileSync } from 'node:fs';
import type { LinuxResources } from '../../spec/types.ts';
import { validateLinuxResources } from '../../spec/validate.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { TsrunError } from '../cli/errors.ts';
import { checkContainerId } from '../container/container-id.ts';
import { updateContainer } from '../container/update-container.ts';

/** runc's update flags: flag -> where it lands in LinuxResources, and how its value reads. */
const FLAGS: Record<string, [section: 'memory' | 'cpu' | 'blockIO' | 'pids', field: string, kind: 'bytes' | 'int' | 'string']> = {
  memory: ['memory', 'limit', 'bytes'],
  'memory-reservation': ['memory', 'reservation', 'bytes'],
  'memory-swap': ['memory', 'swap', 'bytes'],
  'kernel-memory': ['memory', 'kernel', 'bytes'],
  'kernel-memory-tcp': ['memory', 'kernelTCP', 'bytes'],
  'cpu-period': ['cpu', 'period', 'int'],
  'cpu-quota': ['cpu', 'quota', 'int'],
  'cpu-share': ['cpu', 'shares', 'int'],
  'cpu-rt-period': ['cpu', 'realtimePeriod', 'int'],
  'cpu-rt-runtime': ['cpu', 'realtimeRuntime', 'int'],
  'cpuset-cpus': ['cpu', 'cpus', 'string'],
  'cpuset-mems': ['cpu', 'mems', 'string'],
  'blkio-weight': ['blockIO', 'weight', 'int'],
  'pids-limit': ['pids', 'limit', 'int'],
};

/** "64m", "1g", "512k", "1048576", "-1" (unlimited): docker's and runc's size notation. */
export function parseBytes(flag: string, text: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(text.trim());
  if (!m) throw new TsrunError(`--${flag}: ${JSON.stringify(text)} is not a size (e.g. 64m, 1g, 1048576, -1)`);
  if (m[1] === '-1') return -1;
  const unit = 1024 ** 'bkmgtp'.indexOf((m[2] || 'b').toLowerCase());
  return Math.floor(Number(m[1]) * unit);
}

/** update [-r FILE|-] [--memory ...] ID: as containerd (-r -) and podman (--resources=FILE) call it. */
const update: CommandFn = (ctx, { values, positionals }) => {
  const id = checkContainerId(positionals[0]);
  let patch: LinuxResources = {};
  let source = 'update';
  const file = values.resources as string | undefined;
  if (file !== undefined) {
    source = file === '-' ? 'resources on stdin' : file;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (err) {
      throw new TsrunError(`--resources ${source}: ${(err as Error).message}`);
    }
    patch = validateLinuxResources(doc, source);
  }
  const sections = patch as Record<string, Record<string, unknown>>;
  for (const [flag, [section, field, kind]] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = String(raw);
    let value: number | string = text;
    if (kind === 'bytes') value = parseBytes(flag, text);
    if (kind === 'int') {
      if (!/^-?\d+$/.test(text)) throw new TsrunError(`--${flag}: ${JSON.stringify(text)} is not a whole number`);
      value = Number(text);
    }
    (sections[section] ??= {})[field] = value;
  }
  if (values['l3-cache-schema'] || values['mem-bw-schema']) throw new TsrunError('update: Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported by tsrun');
  updateContainer(ctx.store(), id, patch, source, (m) => ctx.logger.warn(m));
  return 0;
};
export default update;
