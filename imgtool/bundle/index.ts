export { unpackImage, overlayDirs, type UnpackOptions, type UnpackResult } from './unpack-image.ts';
export { removeBundle, unmountBundle } from './bundle-teardown.ts';
export { buildRuntimeConfig, type ConfigOverrides } from './runtime-config.ts';
export { resolveImageUser } from './image-user.ts';
export { layerCacheDir } from './layer-cache.ts';
