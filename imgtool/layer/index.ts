export { applyLayer, UnpackInterrupted, type ApplyLimits, type LayerBlob } from './apply-layer.ts';
export { type ApplyPolicy, type ApplyTarget } from './layer-applier.ts';
export { LayerError } from './layer-errors.ts';
export { mapId, parseIdMap, type IdRange } from './id-map.ts';
