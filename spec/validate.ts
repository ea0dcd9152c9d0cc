// Validation entry points. The validators are compiled at build time by
// scripts/build-validators.ts into ./generated/validators.js; nothing here
// compiles a schema at run time. (If that file is missing, run `npm run build`.)

import { check } from './check-document.ts';
import * as generated from './generated/validators.js';
import { SpecValidationError } from './errors.ts';
import type { Features, LinuxResources, Process, RuntimeConfig, RuntimeState } from './types.ts';
import { checkOciVersion } from './version.ts';

export { SpecValidationError };

/** Validates config.json; also refuses an ociVersion whose major is not 1. */
export function validateRuntimeConfig(doc: unknown, source: string): RuntimeConfig {
  const config = check<RuntimeConfig>(generated.validateConfig, doc, source);
  checkOciVersion(config.ociVersion, source);
  return config;
}

/** Validates a process document (`exec --process`). */
export function validateProcessSpec(doc: unknown, source: string): Process {
  return check<Process>(generated.validateProcess, doc, source);
}

/** Validates a linux.resources document (`update --resources`). */
export function validateLinuxResources(doc: unknown, source: string): LinuxResources {
  return check<LinuxResources>(generated.validateLinuxResources, doc, source);
}

/** Validates a runtime state document. */
export function validateRuntimeState(doc: unknown, source: string): RuntimeState {
  return check<RuntimeState>(generated.validateState, doc, source);
}

/** Validates a features document. */
export function validateFeatures(doc: unknown, source: string): Features {
  return check<Features>(generated.validateFeatures, doc, source);
}
