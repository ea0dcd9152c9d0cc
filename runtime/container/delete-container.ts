import { TsrunError } from '../cli/errors.ts';
import { runHooks } from '../hooks/run-hooks.ts';
import { hookState } from './runtime-state.ts';
import { removeCgroups } from '../cgroups/cgroup-manager.ts';
import { isFrozen, setFrozen } from '../cgroups/freezer.ts';
import { containerStatus } from './container-status.ts';
import { signalContainer } from './kill-container.ts';
import { isSameProcessAlive } from './process-identity.ts';
import type { ContainerRecord, StateStore } from './state-store.ts';

const SIGKILL = 9;

/**
 * delete: a stopped or created container is removed; a running one only with --force (killed
 * first). --force of an unknown id succeeds: containerd's runc shim deletes twice.
 */
export function deleteContainer(store: StateStore, id: string, force: boolean, warn?: (msg: string) => void): void {
  if (!store.exists(id)) {
    if (force) return;
    throw new TsrunError(`container does not exist: ${id}`);
  }
  store.withLock(id, () => {
    const record = store.load(id);
    const status = containerStatus(store, record);
    if (status === 'creating') throw new TsrunError(`cannot delete container ${id}: it is being created by pid ${record.creating?.pid}`);
    if ((status === 'running' || status === 'paused') && !force) throw new TsrunError(`cannot delete container ${id} that is not stopped: ${status}`);
    // An abandoned create may have left its init waiting: it goes too.
    if (status !== 'stopped' || (record.creating && isSameProcessAlive(record.pid, record.pidStartTime))) killAndWait(record);
    destroyContainer(store, record, warn);
  });
}

/**
 * Removes everything create made: cgroups and the state directory; then the poststop hooks run,
 * whose failures are warnings only (runtime.md lifecycle step 13).
 */
export function destroyContainer(store: StateStore, record: ContainerRecord, warn: (msg: string) => void = () => undefined): void {
  removeCgroups({ paths: record.cgroupPaths, created: record.cgroupCreated });
  store.remove(record.id);
  // Each on its own: a failing poststop hook is a warning and the rest still run (lifecycle step 13).
  for (const [i, hook] of (record.hooks?.poststop ?? []).entries()) {
    try {
      runHooks('poststop', [hook], hookState(record), i);
    } catch (err) {
      warn((err as Error).message);
    }
  }
}

function killAndWait(record: ContainerRecord): void {
  signalContainer(record, SIGKILL, true);
  // A frozen process takes SIGKILL only once thawed.
  if (isFrozen(record.cgroupPaths)) setFrozen(record.cgroupPaths, false);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; isSameProcessAlive(record.pid, record.pidStartTime); i++) {
    if (i > 10_000) throw new TsrunError(`container ${record.id}: init process ${record.pid} did not die after SIGKILL`);
    Atomics.wait(sleeper, 0, 0, 1);
  }
}
