export { ImageLookupError, OciLayout, type Descriptor, type ImageConfig, type ResolvedImage } from './oci-layout.ts';
export { defaultStoreRoot } from './store-root.ts';
