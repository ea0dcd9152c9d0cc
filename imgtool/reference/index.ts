export { DEFAULT_DOMAIN, InvalidReferenceError, checkDigest, formatReference, manifestReference, parseReference, repositoryName } from './parse.ts';
export type { ImageReference } from './parse.ts';
