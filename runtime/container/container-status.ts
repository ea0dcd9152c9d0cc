import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EXEC_FIFO, type ContainerRecord, type StateStore } from './state-store.ts';
import { isSameProcessAlive } from './process-identity.ts';
import { isFrozen } from '../cgroups/freezer.ts';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/**
 * Derived, never stored: a record still marked as being created is 'creating' while its
 * creator lives; then the init process alive (same start time) and the exec fifo still there
 * means created; alive without the fifo means running; anything else is stopped.
 */
export function containerStatus(store: StateStore, record: ContainerRecord): ContainerStatus {
  // Still being made, or abandoned by a create that died (then it counts as stopped, for delete).
  if (record.creating) return isSameProcessAlive(record.creating.pid, record.creating.startTime) ? 'creating' : 'stopped';
  if (!isSameProcessAlive(record.pid, record.pidStartTime)) return 'stopped';
  if (existsSync(join(store.dir(record.id), EXEC_FIFO))) return 'created';
  return isFrozen(record.cgroupPaths) ? 'paused' : 'running';
}
