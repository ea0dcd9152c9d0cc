import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import type { ApplyLimits } from '../layer/apply-layer.ts';
import type { ResolvedImage } from '../layout-reader/oci-layout.ts';
import { chainIDs } from './chain-id.ts';
import { applyPolicy, type LayerJob, type PolicySettings } from './layer-jobs.ts';

export function layerCacheDir(storeRoot: string): string {
  return join(storeRoot, 'layers');
}

/**
 * The cache directories of an image's layers, bottom first (whether present or not): the ChainID,
 * and with --uid-map/--gid-map a suffix naming the maps, since the owners on disk are the mapped
 * ones (`<chain>-map-<16 hex of the maps' digest>`; gc reads the ChainID before the first '-').
 */
export function cachedLayerDirs(storeRoot: string, image: ResolvedImage, policy: Pick<PolicySettings, 'uidMap' | 'gidMap'>): string[] {
  const mapped = policy.uidMap.length + policy.gidMap.length > 0;
  const suffix = mapped ? `-map-${createHash('sha256').update(JSON.stringify([policy.uidMap, policy.gidMap].map((m) => m.map((r) => [r.container, r.host, r.size])))).digest('hex').slice(0, 16)}` : '';
  return chainIDs(image.layers.map((l) => l.diffID)).map((c) => join(layerCacheDir(storeRoot), 'sha256', c.slice('sha256:'.length) + suffix));
}

export interface CachedLayers {
  /** Bottom layer first. */
  dirs: string[];
  /** How many layers this call extracted (0 when all were cached). */
  extracted: number;
}

export interface ExtractOptions extends ApplyLimits {
  policy: PolicySettings;
  warn: (message: string) => void;
  /** Layers extracted at once on worker threads; undefined: decided here (see parallelJobs). */
  jobs?: number;
}

/**
 * Makes sure every layer of the image has its overlay-format directory under
 * <store>/layers/sha256/<chainID>. Missing layers are extracted into <store>/layers/tmp/ and
 * renamed into place only when all are complete and verified, so a directory under its ChainID is
 * always whole; a failed or interrupted extraction removes its temp dirs.
 *
 * Several missing layers are extracted in parallel on worker threads. An overlay layer directory
 * holds only its own layer's changes, so each can be written without the others; the few things
 * it takes from the layers below (the metadata of directories it implies, the root's, a refusal
 * when a lower one is a symlink) are settled afterwards, bottom-up (lower-dependencies.ts), and
 * a layer that hardlinks to a lower file is extracted again once its lowers are there. A copy
 * bundle cannot do this: its layers overwrite each other in one tree, in order.
 */
export async function ensureCachedLayers(storeRoot: string, image: ResolvedImage, opts: ExtractOptions): Promise<CachedLayers> {
  const base = layerCacheDir(storeRoot);
  const dirs = cachedLayerDirs(storeRoot, image, opts.policy);
  const missing = dirs.flatMap((dir, i) => (statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? [] : [i]));
  if (missing.length === 0) return { dirs, extracted: 0 };

  // Loaded only here: a bundle of a cached image never decompresses, hashes or parses a layer.
  const { applyLayer, layerFailure } = await import('../layer/apply-layer.ts');
  const { settleLowerDependencies } = await import('../layer/lower-dependencies.ts');
  mkdirSync(join(base, 'sha256'), { recursive: true, mode: 0o700 });
  mkdirSync(join(base, 'tmp'), { recursive: true, mode: 0o700 });
  const temps = new Map<number, string>();
  // A layer's directory while this call works on it: its temp dir until the renames at the end.
  const lowersOf = (i: number) => dirs.slice(0, i).map((d, j) => temps.get(j) ?? d).reverse();
  const policy = applyPolicy(opts.policy, opts.warn);
  const limits = { maxLayerBytes: opts.maxLayerBytes, signal: opts.signal };
  const extractInProcess = (i: number) => applyLayer(image.layers[i]!, { dir: temps.get(i)!, format: 'overlay-layer', lowerDirs: lowersOf(i) }, policy, limits);
  try {
    for (const i of missing) {
      // <chain prefix>-<pid>-<random>: gc removes those whose process is gone.
      const tmp = join(base, 'tmp', `${basename(dirs[i]!).slice(0, 12)}-${process.pid}-${randomBytes(4).toString('hex')}`);
      mkdirSync(tmp, { mode: 0o755 });
      temps.set(i, tmp);
    }
    const jobs = parallelJobs(opts.jobs, missing.map((i) => image.layers[i]!.path));
    if (jobs > 1) {
      const { runLayerJobs } = await import('./layer-pool.ts');
      // The lowest missing layer has all its lowers cached already: it needs no settling.
      const layerJobs = missing.map((i, k): LayerJob => ({
        blob: image.layers[i]!, dir: temps.get(i)!, lowerDirs: k === 0 ? lowersOf(i) : [], deferLowers: k > 0, policy: opts.policy, maxLayerBytes: opts.maxLayerBytes,
      }));
      const outcomes = await runLayerJobs(layerJobs, jobs, opts.signal, opts.warn);
      for (const [k, i] of missing.entries()) {
        const outcome = outcomes[k]!;
        if (outcome.kind === 'needs-lowers') {
          rmSync(temps.get(i)!, { recursive: true, force: true });
          mkdirSync(temps.get(i)!, { mode: 0o755 });
          await extractInProcess(i);
        } else if (k > 0) {
          const refused = settleLowerDependencies(temps.get(i)!, outcome.deps, lowersOf(i));
          if (refused) throw layerFailure(refused.error, image.layers[i]!, refused.entry);
        }
      }
    } else {
      for (const i of missing) await extractInProcess(i);
    }
    for (const i of missing) {
      const tmp = temps.get(i)!;
      try {
        renameSync(tmp, dirs[i]!);
      } catch (err) {
        // Another unpack finished the same layer first: theirs is as good as ours.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        rmSync(tmp, { recursive: true, force: true });
      }
      temps.delete(i);
    }
  } catch (err) {
    for (const tmp of temps.values()) rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dirs, extracted: missing.length };
}

/** Below this much compressed layer data, starting worker threads (~40 ms each) costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * How many layers to extract at once: `requested` when given (1: in order, in this thread);
 * otherwise one per CPU, at most 4 (beyond that the disk, not the CPU, is the limit), when there
 * are at least two layers and enough data to be worth the workers' start.
 */
function parallelJobs(requested: number | undefined, blobPaths: string[]): number {
  const jobs = requested ?? Math.min(availableParallelism(), 4);
  if (blobPaths.length < 2) return 1;
  if (requested === undefined && blobPaths.reduce((n, p) => n + statSync(p).size, 0) < PARALLEL_MIN_BYTES) return 1;
  return Math.max(1, Math.min(jobs, blobPaths.length));
}
