import { TsrunError } from '../cli/errors.ts';
import { setFrozen } from '../cgroups/freezer.ts';
import { containerStatus } from './container-status.ts';
import type { StateStore } from './state-store.ts';

/** pause freezes every process of a running container; resume thaws a paused one (runc's rules). */
export function pauseContainer(store: StateStore, id: string, pause: boolean): void {
  store.withLock(id, () => {
    const record = store.load(id);
    const status = containerStatus(store, record);
    if (pause && status !== 'running') throw new TsrunError(`cannot pause container ${id}: it is ${status}, not running`);
    if (!pause && status !== 'paused') throw new TsrunError(`cannot resume container ${id}: it is ${status}, not paused`);
    setFrozen(record.cgroupPaths, pause);
  });
}
