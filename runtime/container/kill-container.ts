import { TsrunError } from '../cli/errors.ts';
import { cgroupPids } from '../cgroups/cgroup-manager.ts';
import { containerStatus } from './container-status.ts';
import type { ContainerRecord, StateStore } from './state-store.ts';

/** kill: the signal goes to init, or with --all to every process in the container's cgroup. */
export function killContainer(store: StateStore, id: string, signal: number, all: boolean): void {
  store.withLock(id, () => {
    const record = store.load(id);
    const status = containerStatus(store, record);
    if (status !== 'created' && status !== 'running' && status !== 'paused') throw new TsrunError(`cannot kill container ${id}: container not running`);
    signalContainer(record, signal, all);
  });
}

export function signalContainer(record: ContainerRecord, signal: number, all: boolean): void {
  const pids = all ? cgroupPids({ paths: record.cgroupPaths, created: [] }) : [];
  if (!pids.includes(record.pid)) pids.unshift(record.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new TsrunError(`signalling pid ${pid}: ${(err as Error).message}`);
    }
  }
}
