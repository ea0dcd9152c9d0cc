import { TsrunError } from '../cli/errors.ts';
import { removeCgroups } from '../cgroups/cgroup-manager.ts';
import { containerStatus } from './container-status.ts';
import { signalContainer } from './kill-container.ts';
import { isSameProcessAlive } from './process-identity.ts';
import type { ContainerRecord, StateStore } from './state-store.ts';

const SIGKILL = 9;

/**
 * delete: a stopped or created container is removed; a running one only with --force (killed
 * first). --force of an unknown id succeeds: containerd's runc shim deletes twice.
 */
export function deleteContainer(store: StateStore, id: string, force: boolean): void {
  if (!store.exists(id)) {
    if (force) return;
    throw new TsrunError(`container does not exist: ${id}`);
  }
  store.withLock(id, () => {
    const record = store.load(id);
    const status = containerStatus(store, record);
    if (status === 'creating') throw new TsrunError(`cannot delete container ${id}: it is being created by pid ${record.creating?.pid}`);
    if (status === 'running' && !force) throw new TsrunError(`cannot delete container ${id} that is not stopped: ${status}`);
    // An abandoned create may have left its init waiting: it goes too.
    if (status !== 'stopped' || (record.creating && isSameProcessAlive(record.pid, record.pidStartTime))) killAndWait(record);
    destroyContainer(store, record);
  });
}

/** Removes everything create made: remaining processes, cgroups, the state directory. */
export function destroyContainer(store: StateStore, record: ContainerRecord): void {
  removeCgroups({ paths: record.cgroupPaths, created: record.cgroupCreated });
  store.remove(record.id);
}

function killAndWait(record: ContainerRecord): void {
  signalContainer(record, SIGKILL, true);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; isSameProcessAlive(record.pid, record.pidStartTime); i++) {
    if (i > 10_000) throw new TsrunError(`container ${record.id}: init process ${record.pid} did not die after SIGKILL`);
    Atomics.wait(sleeper, 0, 0, 1);
  }
}
