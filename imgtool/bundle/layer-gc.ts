import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isImageManifest } from '../registry/media-types.ts';
import { readConfigBlob, readManifestBlob } from '../store/image-documents.ts';
import { withLock } from '../store/lock.ts';
import type { OciStore } from '../store/layout.ts';
import { reachableBlobs } from '../store/reachable.ts';
import { processAlive } from '../store/write-marks.ts';
import { chainIDs } from './chain-id.ts';
import { layerCacheDir } from './layer-cache.ts';
import { layersInUse, layersLock, listDir } from './layer-use.ts';
import { mountedOverlayLowers } from './overlay-mount.ts';

export interface LayerGcResult {
  /** The removed cache directories' names (ChainID hex, with a -map-... suffix for id-mapped ones). */
  removed: string[];
  freed: number;
}

/**
 * Removes cached layer directories (<store>/layers/sha256/*) that no image in the store needs any
 * more and no bundle uses: kept are the layers of every image a name reaches (any id mapping of
 * them), the lower dirs of every overlay mounted in this mount namespace, and those an unpack in
 * progress has marked (layer-use.ts). Temp dirs of extractions whose process is gone go too.
 * A bundle that was unmounted (tsimg unmount) does not keep its layers: it cannot be mounted again.
 */
export async function removeUnusedLayers(store: OciStore): Promise<LayerGcResult> {
  const layers = layerCacheDir(store.root);
  const result: LayerGcResult = { removed: [], freed: 0 };
  if (!lstatSync(layers, { throwIfNoEntry: false })?.isDirectory()) return result;
  // Under the lock only the decisions and renames: unpacks wait on this lock (to mark the layers
  // they use), and deleting gigabytes of layers can take minutes. A doomed layer is renamed into
  // tmp/ under this process's pid, out of every unpack's reach, and deleted after the lock is
  // released; were gc killed meanwhile, a later gc sweeps it as the temp dir of a dead process.
  const doomed = await withLock(layersLock(layers), () => {
    const referenced = referencedChainIDs(store);
    const inUse = new Set([...mountedOverlayLowers(), ...layersInUse(layers)]);
    const cache = join(layers, 'sha256');
    const tmp = join(layers, 'tmp');
    const renamed: { name: string; path: string }[] = [];
    for (const name of listDir(cache)) {
      const dir = join(cache, name);
      if (referenced.has(name.split('-')[0]!) || inUse.has(dir)) continue;
      // Temp dirs are named <chain prefix>-<pid>-<random> by layer-cache.ts; gc's own say "gc".
      const path = join(tmp, `${name.slice(0, 12)}-${process.pid}-gc${renamed.length}`);
      mkdirSync(tmp, { recursive: true });
      renameSync(dir, path);
      renamed.push({ name, path });
    }
    for (const name of listDir(tmp)) {
      if (!processAlive(Number(name.split('-')[1]))) rmSync(join(tmp, name), { recursive: true, force: true });
    }
    return renamed;
  });
  for (const { name, path } of doomed) {
    result.freed += treeBytes(path);
    rmSync(path, { recursive: true, force: true });
    result.removed.push(name);
  }
  return result;
}

/** The ChainIDs (hex) of every layer of every image manifest the store's names reach. */
function referencedChainIDs(store: OciStore): Set<string> {
  const chains = new Set<string>();
  for (const d of reachableBlobs(store, store.readIndex().manifests).values()) {
    if (!isImageManifest(d.mediaType) || !store.hasBlob(d.digest)) continue;
    const manifest = readManifestBlob(store, d);
    if (!store.hasBlob(manifest.config.digest)) continue;
    const config = readConfigBlob(store, manifest.config);
    for (const chain of chainIDs(config.rootfs.diff_ids)) chains.add(chain.slice('sha256:'.length));
  }
  return chains;
}

/** Bytes of the regular files under dir (each inode once), for gc's report. */
function treeBytes(dir: string): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (path: string) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const child of readdirSync(path)) walk(join(path, child));
    else if (st.isFile() && !seen.has(st.ino)) {
      seen.add(st.ino);
      total += st.size;
    }
  };
  walk(dir);
  return total;
}
