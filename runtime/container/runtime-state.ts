import { containerStatus } from './container-status.ts';
import type { ContainerRecord, StateStore } from './state-store.ts';

/** The state document of runtime-spec runtime.md, with runc's extra fields (rootfs, created, owner). */
export function runtimeState(store: StateStore, record: ContainerRecord) {
  const status = containerStatus(store, record);
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    owner: record.owner,
    ...(record.annotations && Object.keys(record.annotations).length > 0 ? { annotations: record.annotations } : {}),
  };
}

/** The state a hook reads on stdin. */
export function hookState(record: ContainerRecord) {
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    status: 'stopped',
    pid: record.pid,
    bundle: record.bundle,
    ...(record.annotations ? { annotations: record.annotations } : {}),
  };
}
