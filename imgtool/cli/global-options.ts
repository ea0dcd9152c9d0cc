/** The objects every command's options build: the store and a registry client (the options themselves: global-flags.ts). */
import { RegistryClient } from '../registry/client.ts';
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

export function registryClient(registry: string, options: GlobalOptions): RegistryClient {
  return new RegistryClient(registry, { insecure: isInsecure(options), authFile: options.authfile });
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
