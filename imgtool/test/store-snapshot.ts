/** Every file under a directory with its size, to show that a failed command left a store as it was. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function treeSnapshot(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(root, path)] = statSync(path).size;
    }
  };
  walk(root);
  return out;
}
