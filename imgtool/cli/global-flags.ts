/**
 * Options every command takes. Apart from global-options.ts, which builds the store and registry
 * client from them, so that parsing the command line loads neither.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';

export interface GlobalOptions {
  root?: string;
  insecure?: boolean;
  'tls-verify'?: boolean;
  authfile?: string;
  quiet?: boolean;
  format?: string;
}

export function withGlobalOptions<T>(argv: Argv<T>): Argv<T & GlobalOptions> {
  return argv
    .option('root', { type: 'string', describe: 'store directory (default /var/lib/tsimg as root, else $XDG_DATA_HOME/tsimg)', global: true, coerce: storeRootPath })
    .option('insecure', { type: 'boolean', describe: 'allow plain http and unverified TLS for every registry', global: true })
    .option('tls-verify', { type: 'boolean', describe: 'verify TLS certificates (--tls-verify=false is --insecure)', global: true })
    .option('authfile', { type: 'string', describe: 'credentials file (default $REGISTRY_AUTH_FILE, then ~/.config/tsimg/auth.json, ~/.docker/config.json)', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only the result', global: true })
    .option('format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'output format', global: true }) as Argv<T & GlobalOptions>;
}

/**
 * --root as one spelling whatever the working directory or symlinks: overlay mounts keep the layer
 * paths as they were given, and gc tells a layer in use by comparing those paths with its own, so
 * `--root ./store` at unpack and `--root /abs/store` at gc must name the layers alike.
 */
export function storeRootPath(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root); // not made yet
  }
}
