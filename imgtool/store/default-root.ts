/** Where the store lives: /var/lib/tsimg for root, $XDG_DATA_HOME/tsimg (~/.local/share/tsimg) for others. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStoreRoot(): string {
  if (process.getuid?.() === 0) return '/var/lib/tsimg';
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'tsimg');
}
