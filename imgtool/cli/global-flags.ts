/**
 * Options every command takes. Apart from global-options.ts, which builds the store and registry
 * client from them, so that parsing the command line loads neither.
 */
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
    .option('root', { type: 'string', describe: 'store directory (default /var/lib/tsimg as root, else $XDG_DATA_HOME/tsimg)', global: true })
    .option('insecure', { type: 'boolean', describe: 'allow plain http and unverified TLS for every registry', global: true })
    .option('tls-verify', { type: 'boolean', describe: 'verify TLS certificates (--tls-verify=false is --insecure)', global: true })
    .option('authfile', { type: 'string', describe: 'credentials file (default $REGISTRY_AUTH_FILE, then ~/.config/tsimg/auth.json, ~/.docker/config.json)', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only the result', global: true })
    .option('format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'output format', global: true }) as Argv<T & GlobalOptions>;
}
