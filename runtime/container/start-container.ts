import { closeSync, constants, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError, errnoOf } from '../cli/errors.ts';
import { containerStatus } from './container-status.ts';
import { isSameProcessAlive } from './process-identity.ts';
import { runHooks } from '../hooks/run-hooks.ts';
import { hookState } from './runtime-state.ts';
import { signalContainer } from './kill-container.ts';
import { EXEC_FIFO, type StateStore } from './state-store.ts';

/**
 * start: read the exec fifo the container waits on, which lets it exec the user's program.
 * The fifo is opened non-blocking and polled, so a container that died meanwhile is an error, not a hang.
 */
export function startContainer(store: StateStore, id: string): void {
  store.withLock(id, () => {
    const record = store.load(id);
    const status = containerStatus(store, record);
    if (status !== 'created') throw new TsrunError(`cannot start container ${id}: it is ${status}, not created`);
    if (record.noProcess) throw new TsrunError(`cannot start container ${id}: its config.json has no process to run`);
    const fifo = join(store.dir(id), EXEC_FIFO);
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(1);
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      const readByte = () => {
        try {
          return readSync(fd, buf, 0, 1, null);
        } catch (err) {
          if (errnoOf(err) !== 'EAGAIN') throw err;
          return 0;
        }
      };
      for (let waited = 0; ; waited++) {
        if (readByte() === 1) break;
        // A fast program may have been started, run and exited between the read above and this
        // check: its byte is then in the fifo, so read once more before calling it dead.
        if (!isSameProcessAlive(record.pid, record.pidStartTime)) {
          if (readByte() === 1) break;
          throw new TsrunError(`cannot start container ${id}: its init process exited`);
        }
        if (waited > 30_000) throw new TsrunError(`cannot start container ${id}: its init process does not answer`);
        Atomics.wait(sleeper, 0, 0, waited < 100 ? 0 : 1);
      }
    } finally {
      closeSync(fd);
    }
    unlinkSync(fifo);
    // A poststart hook that fails stops the container again (runtime.md lifecycle step 8).
    try {
      runHooks('poststart', record.hooks?.poststart, { ...hookState(record), status: 'running' });
    } catch (err) {
      signalContainer(record, 9, true);
      throw err;
    }
  });
}
