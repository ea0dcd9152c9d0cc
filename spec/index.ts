export { SpecValidationError } from './errors.ts';
export { RUNTIME_SPEC_VERSION, checkOciVersion } from './version.ts';
export {
  validateFeatures,
  validateLinuxResources,
  validateProcessSpec,
  validateRuntimeConfig,
  validateRuntimeState,
} from './validate.ts';
export type * from './types.ts';
