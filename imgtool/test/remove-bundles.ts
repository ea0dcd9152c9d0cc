import { removeBundle } from '../bundle/bundle-teardown.ts';

/**
 * A test's clean-up: unmounts and deletes each bundle it may have made, before its temp root goes
 * (deleting through a mounted overlay would reach the cached layers); a bundle never made, or
 * already removed, is skipped, so a test that failed half way still cleans up the rest.
 */
export function removeBundlesQuietly(bundles: Iterable<string>): void {
  for (const b of bundles) {
    try {
      removeBundle(b);
    } catch {
      /* not made, or gone already */
    }
  }
}
