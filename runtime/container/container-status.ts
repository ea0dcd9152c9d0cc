import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EXEC_FIFO, type ContainerRecord, type StateStore } from './state-store.ts';
import { isSameProcessAlive } from './process-identity.ts';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped';

/**
 * Derived, never stored: the init process alive (same start time) and the exec fifo still there
 * means created; alive without the fifo means running; anything else is stopped.
 */
export function containerStatus(store: StateStore, record: ContainerRecord): ContainerStatus {
  if (!isSameProcessAlive(record.pid, record.pidStartTime)) return 'stopped';
  return existsSync(join(store.dir(record.id), EXEC_FIFO)) ? 'created' : 'running';
}
