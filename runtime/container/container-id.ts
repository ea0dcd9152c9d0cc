import { TsrunError } from '../cli/errors.ts';

// runc's rule: letters, digits, '_', '+', '-', '.'; never '.' or '..'. The id names a directory, so it is bounded too.
const ID_PATTERN = /^[\w+.-]+$/;

export function checkContainerId(id: string | undefined): string {
  if (id === undefined || id === '') throw new TsrunError('container id cannot be empty');
  if (id === '.' || id === '..' || !ID_PATTERN.test(id))
    throw new TsrunError(`invalid container id ${JSON.stringify(id)}: use only letters, digits, '_', '+', '-' and '.'`);
  if (id.length > 1024) throw new TsrunError(`invalid container id: ${id.length} characters (at most 1024)`);
  return id;
}
