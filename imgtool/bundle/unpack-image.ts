import { chownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { IdRange } from '../layer/id-map.ts';
import { OciLayout } from '../layout-reader/index.ts';
import type { RuntimeConfig } from '../../spec/types.ts';
import { copyMetadata } from '../layer/copy-up.ts';
import { cachedLayerDirs, ensureCachedLayers, layerCacheDir } from './layer-cache.ts';
import { applyPolicy, type PolicySettings } from './layer-jobs.ts';
import { markLayersInUse } from './layer-use.ts';
import { isMountPoint, mountOverlay, overlaySupported, unmountOverlay } from './overlay-mount.ts';
import { buildRuntimeConfig, type ConfigOverrides } from './runtime-config.ts';

export interface UnpackOptions {
  storeRoot: string;
  image: string;
  bundle: string;
  /** undefined: overlay where it works (root, overlayfs present). */
  overlay?: boolean;
  /** undefined: rootless when not running as root. */
  rootless?: boolean;
  uidMap?: IdRange[];
  gidMap?: IdRange[];
  /** Uncompressed bytes one layer may reach; default: the free space where it is written. */
  maxLayerBytes?: number;
  overrides?: ConfigOverrides;
  /** Layers extracted at once into the cache (overlay only); undefined: one per CPU for large images. */
  jobs?: number;
  /** Aborting stops between chunks and cleans up as after a failure. */
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

export interface UnpackResult {
  bundle: string;
  mode: 'overlay' | 'copy';
  /** Layers extracted by this call (overlay: 0 when the image was already cached). */
  layersExtracted: number;
  config: RuntimeConfig;
}

/** The bundle's own overlay dirs; their presence is also how unmount and rm-bundle recognise an overlay bundle. */
export function overlayDirs(bundle: string): { upper: string; work: string } {
  return { upper: join(bundle, 'overlay', 'upper'), work: join(bundle, 'overlay', 'work') };
}

/**
 * IMAGE from the store -> BUNDLE (rootfs/ + config.json). Either everything is made or nothing is
 * left: on failure the overlay is unmounted and the bundle directory removed (an existing empty
 * one is emptied again), and the layer cache holds only complete layers.
 */
export async function unpackImage(opts: UnpackOptions): Promise<UnpackResult> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`tsimg: warning: ${m}\n`));
  const isRoot = process.getuid?.() === 0;
  const rootless = opts.rootless ?? !isRoot;
  const uidMap = opts.uidMap ?? [];
  const gidMap = opts.gidMap ?? [];
  if (rootless && (uidMap.length || gidMap.length)) throw new Error('--uid-map/--gid-map need root (files are chowned to the mapped ids); drop --rootless or the maps');
  const overlay = decideOverlay(opts.overlay, rootless, warn);
  const image = new OciLayout(opts.storeRoot).resolve(opts.image);

  const bundle = resolve(opts.bundle);
  const createdBundle = prepareBundleDir(bundle);
  const rootfs = join(bundle, 'rootfs');
  const settings: PolicySettings = { chown: !rootless, uidMap, gidMap, mknodDevices: !rootless };
  const policy = applyPolicy(settings, warn);
  try {
    mkdirSync(rootfs, { mode: 0o755 });
    // The root belongs to the container's root, as umoci makes it (matters with --uid-map/--gid-map).
    if (policy.chown) chownSync(rootfs, policy.mapUid(0), policy.mapGid(0));
    let layersExtracted: number;
    if (overlay) {
      mkdirSync(opts.storeRoot, { recursive: true, mode: 0o700 });
      const maxLayerBytes = opts.maxLayerBytes ?? freeBytes(opts.storeRoot);
      // Until the overlay is mounted (and so keeps them), a mark keeps gc off the layers.
      const releaseLayers = await markLayersInUse(layerCacheDir(opts.storeRoot), cachedLayerDirs(opts.storeRoot, image, settings));
      try {
        const cached = await ensureCachedLayers(opts.storeRoot, image, { maxLayerBytes, signal: opts.signal, policy: settings, warn, jobs: opts.jobs });
        layersExtracted = cached.extracted;
        const { upper, work } = overlayDirs(bundle);
        mkdirSync(upper, { recursive: true, mode: 0o755 });
        const top = cached.dirs[cached.dirs.length - 1];
        if (top) copyMetadata(top, lstatSync(top), upper); // the image's root owner and mode (see LayerApplier)
        mkdirSync(work, { recursive: true, mode: 0o700 });
        mountOverlay(cached.dirs, upper, work, rootfs);
      } finally {
        releaseLayers();
      }
    } else {
      const limits = { maxLayerBytes: opts.maxLayerBytes ?? freeBytes(bundle), signal: opts.signal };
      const { applyLayer } = await import('../layer/apply-layer.ts');
      for (const layer of image.layers) await applyLayer(layer, { dir: rootfs, format: 'rootfs', lowerDirs: [] }, policy, limits);
      layersExtracted = image.layers.length;
    }
    const config = buildRuntimeConfig(image, opts.overrides ?? {}, { rootfs, rootless, uidMap, gidMap });
    const tmp = join(bundle, `.config.json.${process.pid}`);
    writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, join(bundle, 'config.json'));
    return { bundle, mode: overlay ? 'overlay' : 'copy', layersExtracted, config };
  } catch (err) {
    if (isMountPoint(rootfs)) unmountOverlay(rootfs);
    if (createdBundle) rmSync(bundle, { recursive: true, force: true });
    else for (const name of readdirSync(bundle)) rmSync(join(bundle, name), { recursive: true, force: true });
    throw err;
  }
}

/**
 * Overlay unless refused, or impossible: without overlayfs an explicit --overlay is an error. Without
 * root a copy is made instead, with a warning when --overlay was asked for: an unprivileged overlay
 * mount (Linux 5.11+) lives only in the user and mount namespace that made it, which ends with
 * tsimg, so tsrun could never see it; fuse-overlayfs would need a daemon per bundle and layers in
 * its own whiteout format, and is not supported.
 */
function decideOverlay(requested: boolean | undefined, rootless: boolean, warn: (m: string) => void): boolean {
  if (requested === false) return false;
  if (rootless) {
    if (requested) warn('--overlay needs root here (an unprivileged overlay mount would end with tsimg\'s own namespaces, and fuse-overlayfs is not supported); made a copy instead');
    return false;
  }
  if (!overlaySupported()) {
    if (requested) throw new Error('--overlay is not possible here: this kernel has no overlayfs; use --no-overlay');
    return false;
  }
  return true;
}

/** Creates BUNDLE, or accepts an existing empty directory; true when this call created it. */
function prepareBundleDir(bundle: string): boolean {
  const st = statSync(bundle, { throwIfNoEntry: false });
  if (!st) {
    mkdirSync(bundle, { mode: 0o711 });
    return true;
  }
  if (!st.isDirectory() || readdirSync(bundle).length > 0) throw new Error(`bundle directory ${bundle} already exists and is not empty; choose a new path or remove it (tsimg rm-bundle ${bundle})`);
  return false;
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
