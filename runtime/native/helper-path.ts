import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsrunError } from '../cli/errors.ts';

/**
 * Where tsrun-init is: $TSRUN_INIT, else runtime/native/build/ of this checkout, found from
 * this module whether it runs from source (runtime/native/) or from the bundle (dist/).
 */
export function helperPath(): string {
  const fromEnv = process.env.TSRUN_INIT;
  if (fromEnv) return fromEnv;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'build/tsrun-init'), join(here, '../runtime/native/build/tsrun-init')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new TsrunError('tsrun-init not found: run `npm run build` (or set TSRUN_INIT)');
}
