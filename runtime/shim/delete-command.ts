import { join } from 'node:path';
import { StateStore } from '../container/state-store.ts';
import { deleteContainer } from '../container/delete-container.ts';
import { encodeMessage, timestampOf } from './protocol/proto-schema.ts';
import type { ShimFlags } from './shim-flags.ts';
import { stateRootFor } from './shim-paths.ts';
import { unmountRootfs } from './task/rootfs-mounts.ts';

const SIGKILL = 9;

/**
 * `delete`: containerd's clean-up after a shim that died. The container is killed and removed as
 * `tsrun delete --force` would, its rootfs unmounted, and a DeleteResponse (exit 128+SIGKILL, as
 * the runc shim reports) written to stdout.
 */
export function deleteAfterDeadShim(flags: ShimFlags): number {
  const bundle = flags.bundle || process.cwd();
  if (!flags.id) throw new Error('delete: -id is required');
  const store = new StateStore(stateRootFor(flags.namespace));
  let pid = 0;
  try { pid = store.load(flags.id).pid; } catch { /* already gone */ }
  deleteContainer(store, flags.id, true, (m) => process.stderr.write(`${m}\n`));
  unmountRootfs(join(bundle, 'rootfs'));
  process.stdout.write(encodeMessage('containerd.task.v2.DeleteResponse', { pid, exitStatus: 128 + SIGKILL, exitedAt: timestampOf(new Date()) }));
  return 0;
}
