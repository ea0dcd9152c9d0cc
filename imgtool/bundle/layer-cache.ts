import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer, type ApplyLimits, type ApplyPolicy } from '../layer/index.ts';
import type { ResolvedImage } from '../layout-reader/oci-layout.ts';
import { chainIDs } from './chain-id.ts';

export function layerCacheDir(storeRoot: string): string {
  return join(storeRoot, 'layers');
}

export interface CachedLayers {
  /** Bottom layer first. */
  dirs: string[];
  /** How many layers this call extracted (0 when all were cached). */
  extracted: number;
}

/**
 * Makes sure every layer of the image has its overlay-format directory under
 * <store>/layers/sha256/<chainID>, extracting the missing ones bottom-up. Each is extracted into
 * <store>/layers/tmp/ and renamed into place only when complete and verified, so a directory under
 * its ChainID is always whole; a failed or interrupted extraction leaves at most a temp dir, which
 * the failure path removes.
 */
export async function ensureCachedLayers(storeRoot: string, image: ResolvedImage, policy: ApplyPolicy, limits: ApplyLimits): Promise<CachedLayers> {
  const base = layerCacheDir(storeRoot);
  const chains = chainIDs(image.layers.map((l) => l.diffID));
  const dirs = chains.map((c) => join(base, 'sha256', c.slice('sha256:'.length)));
  let extracted = 0;
  for (let i = 0; i < dirs.length; i++) {
    const dir = dirs[i]!;
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    mkdirSync(join(base, 'sha256'), { recursive: true, mode: 0o700 });
    mkdirSync(join(base, 'tmp'), { recursive: true, mode: 0o700 });
    const tmp = join(base, 'tmp', `${chains[i]!.slice(7, 19)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(tmp, { mode: 0o755 });
    try {
      await applyLayer(image.layers[i]!, { dir: tmp, format: 'overlay-layer', lowerDirs: dirs.slice(0, i).reverse() }, policy, limits);
      try {
        renameSync(tmp, dir);
      } catch (err) {
        // Another unpack finished the same layer first: theirs is as good as ours.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        rmSync(tmp, { recursive: true, force: true });
      }
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    extracted++;
  }
  return { dirs, extracted };
}
