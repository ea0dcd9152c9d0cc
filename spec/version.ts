import { SpecValidationError } from './errors.ts';

/** The runtime-spec version tsrun implements and reports. */
export const RUNTIME_SPEC_VERSION = '1.2.0';

/** The major version tsrun understands; any 1.x.y (including later minors) is accepted. */
export const SUPPORTED_MAJOR = 1;

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Accepts any 1.x.y ociVersion, with or without a pre-release suffix
 * ("1.0.2-dev", "1.3.0", "1.2.0-rc.1"). Throws SpecValidationError otherwise:
 *   config.json: ociVersion: unsupported major version 2 in "2.0.0" (tsrun supports 1.x)
 */
export function checkOciVersion(v: string, source: string): void {
  const m = SEMVER.exec(v);
  if (!m) {
    throw new SpecValidationError(
      source,
      'ociVersion',
      `invalid version ${JSON.stringify(v)} (want MAJOR.MINOR.PATCH)`,
    );
  }
  const major = Number(m[1]);
  if (major !== SUPPORTED_MAJOR) {
    throw new SpecValidationError(
      source,
      'ociVersion',
      `unsupported major version ${major} in ${JSON.stringify(v)} (tsrun supports ${SUPPORTED_MAJOR}.x)`,
    );
  }
}
