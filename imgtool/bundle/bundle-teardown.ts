import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SyscallError } from '../layer/native-fs.ts';
import { isMountPoint, unmountOverlay } from './overlay-mount.ts';

/** Unmounts an overlay bundle's rootfs; its upper dir (the container's changes) stays. Returns false when it was not mounted. */
export function unmountBundle(bundlePath: string): boolean {
  const rootfs = join(resolve(bundlePath), 'rootfs');
  if (!isMountPoint(rootfs)) return false;
  try {
    unmountOverlay(rootfs);
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'EBUSY') {
      throw new Error(`${rootfs} is busy: a container may still run from this bundle; stop and delete it (tsrun delete ID) first`);
    }
    throw err;
  }
  return true;
}

/**
 * Unmounts (if needed) and deletes a bundle made by tsimg unpack. A directory without config.json
 * and rootfs/ is refused, so a mistyped path cannot delete something else; the rootfs is unmounted
 * before deletion so that nothing is removed through the overlay.
 */
export function removeBundle(bundlePath: string): void {
  const bundle = resolve(bundlePath);
  if (!statSync(bundle, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${bundle} does not exist`);
  if (!existsSync(join(bundle, 'config.json')) || !existsSync(join(bundle, 'rootfs'))) {
    throw new Error(`${bundle} does not look like a bundle made by tsimg unpack (no config.json or rootfs/); not removing it`);
  }
  unmountBundle(bundle);
  if (isMountPoint(join(bundle, 'rootfs'))) throw new Error(`${bundle}/rootfs is still mounted; unmount it first`);
  rmSync(bundle, { recursive: true, force: true });
}
