/**
 * What every command's options build: the store (the options themselves: global-flags.ts). The
 * registry client is in registry-options.ts, so that commands which never go to a registry do not
 * load it (with node:https, node:tls and node:crypto: ~17 ms of a tsimg start measured here).
 */
import { defaultStoreRoot } from '../store/default-root.ts';
import { OciStore } from '../store/layout.ts';

import type { GlobalOptions } from './global-flags.ts';

export { type GlobalOptions, withGlobalOptions } from './global-flags.ts';

export function openStore(options: GlobalOptions): OciStore {
  return OciStore.open(options.root ?? defaultStoreRoot());
}

export function isInsecure(options: GlobalOptions): boolean {
  return options.insecure === true || options['tls-verify'] === false;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
