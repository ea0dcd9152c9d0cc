// Validation of image-spec documents (and the Docker schema 2 shapes tsimg accepts), with validators
// compiled at build time into ./generated/image-validators.js, a module of its own so that tsrun never
// loads it. Errors name the source (registry/repo:reference, or a file) and the JSON path:
//   manifest of 127.0.0.1:5000/repo:1: layers[0].digest: must be a digest (...)

import { check } from './check-document.ts';
import { SpecValidationError } from './errors.ts';
import { PATTERN_WORDS } from './schema/image-defs.ts';
import * as generated from './generated/image-validators.js';
import type { DockerManifest, DockerManifestList, OciDescriptor, OciImageConfig, OciImageIndex, OciImageManifest } from './image-types.ts';

export type * from './image-types.ts';

export const validateImageIndex = (doc: unknown, source: string): OciImageIndex => check(generated.validateImageIndex, doc, source, PATTERN_WORDS);
export const validateImageManifest = (doc: unknown, source: string): OciImageManifest => check(generated.validateImageManifest, doc, source, PATTERN_WORDS);
export const validateDockerManifest = (doc: unknown, source: string): DockerManifest => check(generated.validateDockerManifest, doc, source, PATTERN_WORDS);
export const validateDockerManifestList = (doc: unknown, source: string): DockerManifestList => check(generated.validateDockerManifestList, doc, source, PATTERN_WORDS);
export const validateImageConfig = (doc: unknown, source: string): OciImageConfig => check(generated.validateImageConfig, doc, source, PATTERN_WORDS);
export const validateDescriptor = (doc: unknown, source: string): OciDescriptor => check(generated.validateDescriptor, doc, source, PATTERN_WORDS);

/** Parses JSON bytes and validates them; invalid JSON is reported like a schema error, at the root. */
export function parseImageDocument<T>(bytes: Buffer | string, validate: (doc: unknown, source: string) => T, source: string): T {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    throw new SpecValidationError(source, '(root)', `is not valid JSON (${(e as Error).message})`);
  }
  return validate(doc, source);
}
