/** The registry client a command's global options ask for (--insecure, --tls-verify, --authfile). */
import { RegistryClient } from '../registry/client.ts';
import { type GlobalOptions, isInsecure } from './global-options.ts';

export function registryClient(registry: string, options: GlobalOptions): RegistryClient {
  return new RegistryClient(registry, { insecure: isInsecure(options), authFile: options.authfile });
}
