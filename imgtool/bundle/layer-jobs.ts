/**
 * What the main thread and a layer worker (layer-worker.ts) say to each other: one job is one
 * layer extracted into its temporary cache directory. Only plain data crosses the thread boundary,
 * so the policy travels as its settings and each side builds the functions from them.
 */
import type { LayerBlob } from '../layer/apply-layer.ts';
import { mapId, type IdRange } from '../layer/id-map.ts';
import type { ApplyPolicy } from '../layer/layer-applier.ts';
import type { LowerDependencies } from '../layer/lower-dependencies.ts';

export interface PolicySettings {
  chown: boolean;
  uidMap: IdRange[];
  gidMap: IdRange[];
  mknodDevices: boolean;
}

export function applyPolicy(settings: PolicySettings, warn: (message: string) => void): ApplyPolicy {
  return {
    chown: settings.chown,
    mapUid: (id) => mapId(settings.uidMap, id, 'uid'),
    mapGid: (id) => mapId(settings.gidMap, id, 'gid'),
    mknodDevices: settings.mknodDevices,
    warn,
  };
}

export interface LayerJob {
  blob: LayerBlob;
  dir: string;
  /** The finished layers below, nearest first; empty with deferLowers. */
  lowerDirs: string[];
  deferLowers: boolean;
  policy: PolicySettings;
  maxLayerBytes: number;
}

export type ToWorker = { kind: 'job'; job: LayerJob } | { kind: 'abort' };

export type FromWorker =
  | { kind: 'warn'; message: string }
  | { kind: 'done'; deps: LowerDependencies }
  | { kind: 'needs-lowers' }
  | { kind: 'failed'; message: string; interrupted: boolean };
