import { openSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandFn } from '../cli/command-context.ts';
import { TsrunError, errnoOf } from '../cli/errors.ts';
import { defaultSpec } from '../container/default-spec.ts';

const spec: CommandFn = (_ctx, { values }) => {
  const path = join(resolve((values.bundle as string | undefined) ?? '.'), 'config.json');
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o666);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') throw new TsrunError(`File ${path} exists. Remove it first`);
    throw new TsrunError(`${path}: ${(err as Error).message}`);
  }
  writeSync(fd, `${JSON.stringify(defaultSpec(values.rootless === true), null, '\t')}\n`);
  closeSync(fd);
  return 0;
};
export default spec;
